"""Inputs of the application benchmarks, computed by the same formula as
appdata.da, exactly: integer arithmetic, then one division."""
import numpy as np


def uniform(n, salt):
    i = np.arange(n) + salt * 7919
    return (i * 1103515245 + 12345) % 2147483648 / 2147483648.0


def matrix(n, d, salt):
    return uniform(n * d, salt).reshape(n, d)
