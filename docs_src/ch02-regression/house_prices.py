"""A synthetic housing data set: price = w_area * area + w_age * age + b + noise."""

from gdsc_book.regression import make_houses

houses = make_houses(n=200, seed=0)  # drawn from known weights: 0.05, -0.03 and 1.0
print("x:", tuple(houses.x.shape), "(area in m², age in years)")
print("y:", tuple(houses.y.shape), "(price in 100 million won)")
for (area, age), price in zip(houses.x[:3].tolist(), houses.y[:3].tolist()):
    print(f"area {area:6.1f} m²   age {age:4.1f} years   price {price:5.2f}")
