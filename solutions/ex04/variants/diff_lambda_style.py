# correct: numerical_diff as a lambda over a module-level step, the denominator written h + h
h = 1e-4
numerical_diff = lambda f, x: (f(x + h) - f(x - h)) / (h + h)  # noqa: E731
