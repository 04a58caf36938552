# Bias², variance and noise of polynomial fits, measured over 500 training sets.
from gdsc_book import bias_variance as bv

d = bv.simulate(degrees=[1, 3, 9], n_train=25, sigma=0.3, n_sets=500, ridge=1e-3)
print("degree   bias²  variance  noise   sum   measured")
for i, deg in enumerate(d.degrees):
    print(f"{deg:6d} {d.bias2[i]:7.3f} {d.variance[i]:9.3f} {d.noise[i]:6.2f} "
          f"{d.total[i]:6.3f} {d.expected_error[i]:8.3f}")
