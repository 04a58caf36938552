"""The book's one bibliography: every work a page cites, and the numbers it quotes from them.

Pages cite a work through the ``ref``/``refp`` macros (``{{ ref("nakkiran2020") }}`` prints
"Nakkiran et al. (2020)" linked to its entry) and quote a published number through ``cite``
(``{{ cite("lecun1998", "linear_error", ".1%") }}``); ``{{ references() }}`` prints the list of
exactly what the page cited, so the text and the list cannot disagree. Numbers the book
measures come from figure records instead.

Entries hold what the works themselves print: authors as they are credited (``others`` when
the list is cut short), year, title, venue and a stable link; nothing we are unsure of.
"""

from __future__ import annotations

import html
import re

SOURCES: dict[str, dict] = {
    # --- chapter 1: what learning is -------------------------------------------------------
    "mitchell1997": {
        "authors": ["T. M. Mitchell"], "year": 1997, "title": "Machine Learning",
        "venue": "McGraw-Hill", "book": True,
    },
    "bishop2006": {
        "authors": ["C. M. Bishop"], "year": 2006,
        "title": "Pattern Recognition and Machine Learning", "venue": "Springer", "book": True,
    },
    "goodfellow2016": {
        "authors": ["I. Goodfellow", "Y. Bengio", "A. Courville"], "year": 2016,
        "title": "Deep Learning", "venue": "MIT Press", "book": True,
        "url": "https://www.deeplearningbook.org/",
    },
    # --- chapter 2: least squares and gradient descent -------------------------------------
    "legendre1805": {
        "authors": ["A.-M. Legendre"], "year": 1805,
        "title": "Nouvelles méthodes pour la détermination des orbites des comètes",
        "venue": "Firmin Didot, Paris", "book": True,
    },
    "gauss1809": {
        "authors": ["C. F. Gauss"], "year": 1809,
        "title": "Theoria motus corporum coelestium in sectionibus conicis solem ambientium",
        "venue": "Perthes et Besser, Hamburg", "book": True,
    },
    "cauchy1847": {
        "authors": ["A. Cauchy"], "year": 1847,
        "title": "Méthode générale pour la résolution des systèmes d'équations simultanées",
        "venue": "Comptes rendus de l'Académie des sciences 25",
    },
    # --- chapter 3: cross-entropy and information ------------------------------------------
    "shannon1948": {
        "authors": ["C. E. Shannon"], "year": 1948,
        "title": "A mathematical theory of communication",
        "venue": "Bell System Technical Journal 27(3)",
        "url": "https://doi.org/10.1002/j.1538-7305.1948.tb01338.x",
    },
    "kullback1951": {
        "authors": ["S. Kullback", "R. A. Leibler"], "year": 1951,
        "title": "On information and sufficiency",
        "venue": "The Annals of Mathematical Statistics 22(1)",
        "url": "https://doi.org/10.1214/aoms/1177729694",
    },
    "cover2006": {
        "authors": ["T. M. Cover", "J. A. Thomas"], "year": 2006,
        "title": "Elements of Information Theory (2nd ed.)", "venue": "Wiley", "book": True,
    },
    "hui2021": {
        "authors": ["L. Hui", "M. Belkin"], "year": 2021,
        "title": "Evaluation of neural architectures trained with square loss vs "
                 "cross-entropy in classification tasks",
        "venue": "International Conference on Learning Representations (ICLR)",
        "url": "https://arxiv.org/abs/2006.07322",
    },
    # --- chapter 4: perceptrons, feature maps, manifolds -----------------------------------
    "rosenblatt1958": {
        "authors": ["F. Rosenblatt"], "year": 1958,
        "title": "The perceptron: a probabilistic model for information storage and "
                 "organization in the brain",
        "venue": "Psychological Review 65(6)", "url": "https://doi.org/10.1037/h0042519",
    },
    "minsky1969": {
        "authors": ["M. Minsky", "S. Papert"], "year": 1969, "title": "Perceptrons",
        "venue": "MIT Press", "book": True,
    },
    "cover1965": {
        "authors": ["T. M. Cover"], "year": 1965,
        "title": "Geometrical and statistical properties of systems of linear inequalities "
                 "with applications in pattern recognition",
        "venue": "IEEE Transactions on Electronic Computers EC-14(3)",
        "url": "https://doi.org/10.1109/PGEC.1965.264137",
    },
    "tenenbaum2000": {
        "authors": ["J. B. Tenenbaum", "V. de Silva", "J. C. Langford"], "year": 2000,
        "title": "A global geometric framework for nonlinear dimensionality reduction",
        "venue": "Science 290(5500)", "url": "https://doi.org/10.1126/science.290.5500.2319",
    },
    "vandermaaten2008": {
        "authors": ["L. van der Maaten", "G. Hinton"], "year": 2008,
        "title": "Visualizing data using t-SNE",
        "venue": "Journal of Machine Learning Research 9",
        "url": "https://www.jmlr.org/papers/v9/vandermaaten08a.html",
    },
    "facco2017": {
        "authors": ["E. Facco", "M. d'Errico", "A. Rodriguez", "A. Laio"], "year": 2017,
        "title": "Estimating the intrinsic dimension of datasets by a minimal neighborhood "
                 "information",
        "venue": "Scientific Reports 7",
    },
    # --- chapter 5: universal approximation and depth --------------------------------------
    "cybenko1989": {
        "authors": ["G. Cybenko"], "year": 1989,
        "title": "Approximation by superpositions of a sigmoidal function",
        "venue": "Mathematics of Control, Signals and Systems 2(4)",
        "url": "https://doi.org/10.1007/BF02551274",
    },
    "hornik1989": {
        "authors": ["K. Hornik", "M. Stinchcombe", "H. White"], "year": 1989,
        "title": "Multilayer feedforward networks are universal approximators",
        "venue": "Neural Networks 2(5)", "url": "https://doi.org/10.1016/0893-6080(89)90020-8",
    },
    "leshno1993": {
        "authors": ["M. Leshno", "V. Ya. Lin", "A. Pinkus", "S. Schocken"], "year": 1993,
        "title": "Multilayer feedforward networks with a nonpolynomial activation function "
                 "can approximate any function",
        "venue": "Neural Networks 6(6)", "url": "https://doi.org/10.1016/S0893-6080(05)80131-5",
    },
    "sprecher1965": {
        "authors": ["D. A. Sprecher"], "year": 1965,
        "title": "On the structure of continuous functions of several variables",
        "venue": "Transactions of the American Mathematical Society 115",
    },
    "kolmogorov1957": {
        "authors": ["A. N. Kolmogorov"], "year": 1957,
        "title": "On the representation of continuous functions of many variables by "
                 "superposition of continuous functions of one variable and addition",
        "venue": "Doklady Akademii Nauk SSSR 114",
    },
    "arnold1957": {
        "authors": ["V. I. Arnold"], "year": 1957, "title": "On functions of three variables",
        "venue": "Doklady Akademii Nauk SSSR 114",
    },
    "montufar2014": {
        "authors": ["G. Montúfar", "R. Pascanu", "K. Cho", "Y. Bengio"], "year": 2014,
        "title": "On the number of linear regions of deep neural networks",
        "venue": "Advances in Neural Information Processing Systems 27",
        "url": "https://arxiv.org/abs/1402.1869",
    },
    "telgarsky2016": {
        "authors": ["M. Telgarsky"], "year": 2016, "title": "Benefits of depth in neural networks",
        "venue": "Conference on Learning Theory (COLT)", "url": "https://arxiv.org/abs/1602.04485",
    },
    "lu2017": {
        "authors": ["Z. Lu", "H. Pu", "F. Wang", "Z. Hu", "L. Wang"], "year": 2017,
        "title": "The expressive power of neural networks: a view from the width",
        "venue": "Advances in Neural Information Processing Systems 30",
        "url": "https://arxiv.org/abs/1709.02540",
    },
    "hanin2019": {
        "authors": ["B. Hanin", "D. Rolnick"], "year": 2019,
        "title": "Complexity of linear regions in deep networks",
        "venue": "International Conference on Machine Learning (ICML)",
        "url": "https://arxiv.org/abs/1901.09021",
    },
    "kidger2020": {
        "authors": ["P. Kidger", "T. Lyons"], "year": 2020,
        "title": "Universal approximation with deep narrow networks",
        "venue": "Conference on Learning Theory (COLT)", "url": "https://arxiv.org/abs/1905.08539",
    },
    # --- chapter 6: generalization and regularization --------------------------------------
    "geman1992": {
        "authors": ["S. Geman", "E. Bienenstock", "R. Doursat"], "year": 1992,
        "title": "Neural networks and the bias/variance dilemma",
        "venue": "Neural Computation 4(1)", "url": "https://doi.org/10.1162/neco.1992.4.1.1",
    },
    "hoerl1970": {
        "authors": ["A. E. Hoerl", "R. W. Kennard"], "year": 1970,
        "title": "Ridge regression: biased estimation for nonorthogonal problems",
        "venue": "Technometrics 12(1)", "url": "https://doi.org/10.1080/00401706.1970.10488634",
    },
    "srivastava2014": {
        "authors": ["N. Srivastava", "G. Hinton", "A. Krizhevsky", "I. Sutskever",
                    "R. Salakhutdinov"], "year": 2014,
        "title": "Dropout: a simple way to prevent neural networks from overfitting",
        "venue": "Journal of Machine Learning Research 15",
        "url": "https://jmlr.org/papers/v15/srivastava14a.html",
    },
    "loshchilov2019": {
        "authors": ["I. Loshchilov", "F. Hutter"], "year": 2019,
        "title": "Decoupled weight decay regularization",
        "venue": "International Conference on Learning Representations (ICLR)",
        "url": "https://arxiv.org/abs/1711.05101",
    },
    # --- chapter 7: double descent ----------------------------------------------------------
    "belkin2019": {
        "authors": ["M. Belkin", "D. Hsu", "S. Ma", "S. Mandal"], "year": 2019,
        "title": "Reconciling modern machine-learning practice and the classical bias–variance "
                 "trade-off",
        "venue": "Proceedings of the National Academy of Sciences 116(32)",
        "url": "https://doi.org/10.1073/pnas.1903070116",
    },
    "nakkiran2020": {
        "authors": ["P. Nakkiran", "G. Kaplun", "Y. Bansal", "T. Yang", "B. Barak",
                    "I. Sutskever"], "year": 2020,
        "title": "Deep double descent: where bigger models and more data hurt",
        "venue": "International Conference on Learning Representations (ICLR)",
        "url": "https://arxiv.org/abs/1912.02292",
    },
    # --- chapter 8: SGD ---------------------------------------------------------------------
    "robbins1951": {
        "authors": ["H. Robbins", "S. Monro"], "year": 1951,
        "title": "A stochastic approximation method",
        "venue": "The Annals of Mathematical Statistics 22(3)",
        "url": "https://doi.org/10.1214/aoms/1177729586",
    },
    "polyak1963": {
        "authors": ["B. T. Polyak"], "year": 1963,
        "title": "Gradient methods for minimizing functionals",
        "venue": "USSR Computational Mathematics and Mathematical Physics 3(4)",
        "url": "https://doi.org/10.1016/0041-5553(63)90382-3",
    },
    "lojasiewicz1963": {
        "authors": ["S. Łojasiewicz"], "year": 1963,
        "title": "Une propriété topologique des sous-ensembles analytiques réels",
        "venue": "Les Équations aux Dérivées Partielles, Éditions du CNRS, Paris",
    },
    "hochreiter1997": {
        "authors": ["S. Hochreiter", "J. Schmidhuber"], "year": 1997, "title": "Flat minima",
        "venue": "Neural Computation 9(1)", "url": "https://doi.org/10.1162/neco.1997.9.1.1",
    },
    "moulines2011": {
        "authors": ["E. Moulines", "F. Bach"], "year": 2011,
        "title": "Non-asymptotic analysis of stochastic approximation algorithms for machine "
                 "learning",
        "venue": "Advances in Neural Information Processing Systems 24",
    },
    "ghadimi2013": {
        "authors": ["S. Ghadimi", "G. Lan"], "year": 2013,
        "title": "Stochastic first- and zeroth-order methods for nonconvex stochastic "
                 "programming",
        "venue": "SIAM Journal on Optimization 23(4)", "url": "https://doi.org/10.1137/120880811",
    },
    "ge2015": {
        "authors": ["R. Ge", "F. Huang", "C. Jin", "Y. Yuan"], "year": 2015,
        "title": "Escaping from saddle points: online stochastic gradient for tensor "
                 "decomposition",
        "venue": "Conference on Learning Theory (COLT)", "url": "https://arxiv.org/abs/1503.02101",
    },
    "lee2016": {
        "authors": ["J. D. Lee", "M. Simchowitz", "M. I. Jordan", "B. Recht"], "year": 2016,
        "title": "Gradient descent only converges to minimizers",
        "venue": "Conference on Learning Theory (COLT)", "url": "https://arxiv.org/abs/1602.04915",
    },
    "karimi2016": {
        "authors": ["H. Karimi", "J. Nutini", "M. Schmidt"], "year": 2016,
        "title": "Linear convergence of gradient and proximal-gradient methods under the "
                 "Polyak–Łojasiewicz condition",
        "venue": "European Conference on Machine Learning and Knowledge Discovery in "
                 "Databases (ECML PKDD)",
        "url": "https://arxiv.org/abs/1608.04636",
    },
    "du2017": {
        "authors": ["S. S. Du", "C. Jin", "J. D. Lee", "M. I. Jordan", "B. Póczos", "A. Singh"],
        "year": 2017, "title": "Gradient descent can take exponential time to escape saddle points",
        "venue": "Advances in Neural Information Processing Systems 30",
        "url": "https://arxiv.org/abs/1705.10412",
    },
    "jin2017": {
        "authors": ["C. Jin", "R. Ge", "P. Netrapalli", "S. M. Kakade", "M. I. Jordan"],
        "year": 2017, "title": "How to escape saddle points efficiently",
        "venue": "International Conference on Machine Learning (ICML)",
        "url": "https://arxiv.org/abs/1703.00887",
    },
    "keskar2017": {
        "authors": ["N. S. Keskar", "D. Mudigere", "J. Nocedal", "M. Smelyanskiy",
                    "P. T. P. Tang"], "year": 2017,
        "title": "On large-batch training for deep learning: generalization gap and sharp minima",
        "venue": "International Conference on Learning Representations (ICLR)",
        "url": "https://arxiv.org/abs/1609.04836",
    },
    "loshchilov2017": {
        "authors": ["I. Loshchilov", "F. Hutter"], "year": 2017,
        "title": "SGDR: stochastic gradient descent with warm restarts",
        "venue": "International Conference on Learning Representations (ICLR)",
        "url": "https://arxiv.org/abs/1608.03983",
    },
    "goyal2017": {
        "authors": ["P. Goyal", "P. Dollár", "R. Girshick", "P. Noordhuis", "L. Wesolowski",
                    "A. Kyrola", "A. Tulloch", "Y. Jia", "K. He"], "year": 2017,
        "title": "Accurate, large minibatch SGD: training ImageNet in 1 hour",
        "venue": "arXiv:1706.02677", "url": "https://arxiv.org/abs/1706.02677",
    },
    "bottou2018": {
        "authors": ["L. Bottou", "F. E. Curtis", "J. Nocedal"], "year": 2018,
        "title": "Optimization methods for large-scale machine learning",
        "venue": "SIAM Review 60(2)", "url": "https://doi.org/10.1137/16M1080173",
    },
    "smith2019": {
        "authors": ["L. N. Smith", "N. Topin"], "year": 2019,
        "title": "Super-convergence: very fast training of neural networks using large "
                 "learning rates",
        "venue": "Artificial Intelligence and Machine Learning for Multi-Domain Operations "
                 "Applications, Proc. SPIE 11006",
        "url": "https://arxiv.org/abs/1708.07120",
    },
    # --- chapters 9 and 10: the labs --------------------------------------------------------
    "lecun1998": {
        "authors": ["Y. LeCun", "L. Bottou", "Y. Bengio", "P. Haffner"], "year": 1998,
        "title": "Gradient-based learning applied to document recognition",
        "venue": "Proceedings of the IEEE 86(11)", "url": "https://doi.org/10.1109/5.726791",
        # MNIST test error rates, section III.C and figure 9 of the paper.
        "numbers": {
            "linear_error": 0.120,  # one linear layer on the 28x28 pixels (7,850 parameters)
            "linear_deslanted_error": 0.084,  # the same on deslanted 20x20 images
            "pairwise_linear_error": 0.076,  # 45 linear units, one per pair of classes
            "mlp300_error": 0.047,  # 2 layers, 300 hidden units
            "lenet5_error": 0.0095,
        },
    },
    "krizhevsky2009": {
        "authors": ["A. Krizhevsky"], "year": 2009,
        "title": "Learning multiple layers of features from tiny images",
        "venue": "Technical report, University of Toronto",
        "url": "https://www.cs.toronto.edu/~kriz/learning-features-2009-TR.pdf",
    },
    "pytorch_cifar10_tutorial": {
        "authors": ["PyTorch Tutorials"], "year": 2017,
        "title": "Training a classifier (Deep Learning with PyTorch: A 60 Minute Blitz)",
        "venue": "pytorch.org/tutorials",
        "url": "https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html",
        # Its set-up, which benchmarks/bench_cifar10.py re-implements and measures (the
        # accuracy the book quotes is that measurement, in the record bench_cifar10).
        "numbers": {"epochs": 2, "batch_size": 4, "lr": 0.001},
    },
    "pytorch_examples_mnist": {
        "authors": ["PyTorch Examples"], "year": 2017,
        "title": "Basic MNIST example (mnist/main.py)",
        "venue": "github.com/pytorch/examples",
        "url": "https://github.com/pytorch/examples/tree/main/mnist",
        # benchmarks/bench_mnist.py re-implements it from this description and times one
        # epoch of it beside the book's CNN recipe (the records bench_mnist, bench_mnist_avx2).
    },
    "ioffe2015": {
        "authors": ["S. Ioffe", "C. Szegedy"], "year": 2015,
        "title": "Batch normalization: accelerating deep network training by reducing internal "
                 "covariate shift",
        "venue": "International Conference on Machine Learning (ICML)",
        "url": "https://arxiv.org/abs/1502.03167",
    },
    "he2016": {
        "authors": ["K. He", "X. Zhang", "S. Ren", "J. Sun"], "year": 2016,
        "title": "Deep residual learning for image recognition",
        "venue": "IEEE Conference on Computer Vision and Pattern Recognition (CVPR)",
        "url": "https://arxiv.org/abs/1512.03385",
    },
    "smith2018": {
        "authors": ["L. N. Smith"], "year": 2018,
        "title": "A disciplined approach to neural network hyper-parameters: Part 1 – learning "
                 "rate, batch size, momentum, and weight decay",
        "venue": "arXiv:1803.09820", "url": "https://arxiv.org/abs/1803.09820",
    },
    "jordan2024": {
        "authors": ["K. Jordan"], "year": 2024,
        "title": "94% on CIFAR-10 in 3.29 seconds on a single GPU",
        "venue": "arXiv:2404.00498", "url": "https://arxiv.org/abs/2404.00498",
    },
    "page2018": {
        "authors": ["D. Page"], "year": 2018,
        "title": "How to train your ResNet (DAWNBench CIFAR-10 entries)",
        "venue": "Myrtle.ai blog", "url": "https://myrtle.ai/learn/how-to-train-your-resnet/",
        # DAWNBench's CIFAR-10 task: reach 94% test accuracy; Page's ResNet-9 is the full
        # recipe's network. The book's 90% goal is a CPU-sized step below that target.
        "numbers": {"dawnbench_target": 0.94},
    },
    # --- chapter 8: the loss landscape ----------------------------------------------------
    "li2018": {
        "authors": ["H. Li", "Z. Xu", "G. Taylor", "C. Studer", "T. Goldstein"], "year": 2018,
        "title": "Visualizing the loss landscape of neural nets",
        "venue": "Advances in Neural Information Processing Systems 31 (NeurIPS 2018)",
        "url": "https://arxiv.org/abs/1712.09913",
        # Their CIFAR-10 ResNet comparison: without skip connections the landscape goes
        # from nearly convex (20 layers) to chaotic (56 and 110); with them it stays smooth.
        "numbers": {"benign_noshort_layers": 20, "chaotic_noshort_layers": 56},
    },
    # --- chapter 11: what next --------------------------------------------------------------
    "devlin2019": {
        "authors": ["J. Devlin", "M.-W. Chang", "K. Lee", "K. Toutanova"], "year": 2019,
        "title": "BERT: pre-training of deep bidirectional transformers for language "
                 "understanding",
        "venue": "Proceedings of NAACL-HLT", "url": "https://arxiv.org/abs/1810.04805",
    },
    "bronstein2021": {
        "authors": ["M. M. Bronstein", "J. Bruna", "T. Cohen", "P. Veličković"], "year": 2021,
        "title": "Geometric deep learning: grids, groups, graphs, geodesics, and gauges",
        "venue": "arXiv:2104.13478", "url": "https://arxiv.org/abs/2104.13478",
    },
    "chen2020": {
        "authors": ["T. Chen", "S. Kornblith", "M. Norouzi", "G. Hinton"], "year": 2020,
        "title": "A simple framework for contrastive learning of visual representations",
        "venue": "International Conference on Machine Learning (ICML)",
        "url": "https://arxiv.org/abs/2002.05709",
    },
    "bommasani2021": {
        "authors": ["R. Bommasani"], "others": True, "year": 2021,
        "title": "On the opportunities and risks of foundation models",
        "venue": "arXiv:2108.07258", "url": "https://arxiv.org/abs/2108.07258",
    },
    "he2022": {
        "authors": ["K. He", "X. Chen", "S. Xie", "Y. Li", "P. Dollár", "R. Girshick"],
        "year": 2022, "title": "Masked autoencoders are scalable vision learners",
        "venue": "IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
        "url": "https://arxiv.org/abs/2111.06377",
    },
}

HEADING = {"ko": "참고 문헌", "en": "References"}
_INITIAL = re.compile(r"^(?:[A-Z][a-z]?\.)(?:-[A-Z][a-z]?\.)*$")  # "J.", "A.-M.", "Ya."


def _source(key: str) -> dict:
    if key not in SOURCES:
        raise KeyError(f"no source {key!r} in gdsc_book.literature; add its entry there "
                       f"(sources: {', '.join(sorted(SOURCES))})")
    return SOURCES[key]


def cite(source: str, key: str):
    """The number ``key`` of ``source`` (a KeyError names what exists)."""
    numbers = _source(source).get("numbers", {})
    if key not in numbers:
        raise KeyError(f"source {source!r} has no number {key!r}; numbers: "
                       f"{', '.join(numbers) or 'none'}")
    return numbers[key]


def family_name(author: str) -> str:
    """"L. van der Maaten" -> "van der Maaten": the name the text cites (initials dropped)."""
    words = author.split()
    while len(words) > 1 and _INITIAL.match(words[0]):
        words.pop(0)
    return " ".join(words)


def in_text_name(key: str, lang: str, paren: bool = False) -> str:
    """"Cover", "Kullback and Leibler", "Nakkiran et al." (Korean: "Kullback & Leibler",
    "Nakkiran 등"): how the text names a work."""
    s = _source(key)
    names = [family_name(a) for a in s["authors"]]
    if len(names) > 2 or s.get("others"):
        return f"{names[0]} {'et al.' if lang == 'en' else '등'}"
    return f" {'and' if lang == 'en' and not paren else '&'} ".join(names)


def anchor(key: str) -> str:
    return f"ref-{key}"


def in_text(keys: tuple[str, ...], lang: str, paren: bool) -> str:
    """Markdown for a citation in the text, each work linked to its entry in the list:
    "Belkin et al. (2019)" or, with ``paren``, "(Belkin et al., 2019; Nakkiran et al., 2020)"."""
    if not keys:
        raise ValueError("a citation names at least one source")
    if paren:
        parts = [f"[{in_text_name(k, lang, paren=True)}, {_source(k)['year']}](#{anchor(k)})"
                 for k in keys]
        return f"({'; '.join(parts)})"
    # Korean sets the year against the name: "Belkin 등(2019)"
    space = " " if lang == "en" else ""
    return "; ".join(f"[{in_text_name(k, lang)}{space}({_source(k)['year']})](#{anchor(k)})"
                     for k in keys)


def sort_key(key: str) -> tuple:
    s = _source(key)
    return (tuple(family_name(a).lower() for a in s["authors"]), s["year"], key)


def entry_html(key: str) -> str:
    """One entry: authors (year). Title. Venue. link (as the page shows it, escaped)."""
    s = _source(key)
    authors = ", ".join(s["authors"]) + (" et al." if s.get("others") else "")
    title = html.escape(s["title"])
    title = f"<em>{title}</em>" if s.get("book") else title
    text = f"{html.escape(authors)} ({s['year']}). {title}. "
    venue = html.escape(s["venue"])
    text += f"{venue}." if s.get("book") else f"<em>{venue}</em>."
    if s.get("url"):
        url = html.escape(s["url"], quote=True)
        text += f' <a href="{url}">{html.escape(s["url"].removeprefix("https://"))}</a>'
    return text


def references_html(keys) -> str:
    """The chapter's list (under its heading, HEADING in the page's language): the cited works,
    sorted by author and year; each entry's id is what the in-text links point to."""
    keys = sorted(set(keys), key=sort_key)
    items = "\n".join(f'<li id="{anchor(k)}">{entry_html(k)}</li>' for k in keys)
    return f'<ul class="book-references">\n{items}\n</ul>'

