"""Writes examples/data/iris.json: scikit-learn's copy of Fisher's iris data (150 x 4, cm) and its
species labels, for examples/impute.ts. Run: python3 examples/data/generate_iris.py"""
import json
import os

import sklearn
from sklearn.datasets import load_iris

iris = load_iris()
out = {
    "source": f"sklearn.datasets.load_iris (scikit-learn {sklearn.__version__})",
    "featureNames": list(iris.feature_names),
    "data": iris.data.tolist(),
    "target": iris.target.tolist(),
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "iris.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
