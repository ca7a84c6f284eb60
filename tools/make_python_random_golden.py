"""Golden values for the PythonRandom tests: CPython's own `random` module (MT19937 seeded from an int, shuffle,
getrandbits, _randbelow, random()). Run from the repository root with any Python 3:

    /usr/bin/python3 tools/make_python_random_golden.py

It writes tests/SparseCircuits.Tests/TestData/data/python_random.golden.json, after checking that every other
Python 3 it finds (/root/.pyenv/versions/3.*) produces the same values; the versions that agree are listed in the
file."""
import glob
import json
import os
import random
import subprocess
import sys

OUT = os.path.join("tests", "SparseCircuits.Tests", "TestData", "data", "python_random.golden.json")

# 12 is the reference seed; 2**32 and 2**40+3 need two 32-bit key words; -5 seeds as abs(-5).
SEEDS = [12, 0, 42, 2**32, 2**40 + 3, -5]
SMALL_NS = [0, 1, 2, 3, 5, 10, 100, 1000]
# The line counts of the SVA files, with the reference seed only (they are long).
LARGE_NS = [120, 480, 1920, 2400, 9600]
BIT_WIDTHS = [1, 5, 31, 32, 33, 53, 64, 7, 32]
BELOW = [1, 2, 3, 7, 100, 2**31 - 1, 2**31, 10**9 + 7]


def values():
    shuffles = []
    for seed in SEEDS:
        for n in SMALL_NS:
            perm = list(range(n))
            random.Random(seed).shuffle(perm)
            shuffles.append({"seed": seed, "n": n, "perm": perm})
    for n in LARGE_NS:
        # The module-level form, as the paper-era loader wrote it: random.seed(s); random.shuffle(lines).
        perm = list(range(n))
        random.seed(12)
        random.shuffle(perm)
        shuffles.append({"seed": 12, "n": n, "perm": perm})
    streams = []
    for seed in SEEDS:
        r = random.Random(seed)
        bits = [{"k": k, "value": str(r.getrandbits(k))} for k in BIT_WIDTHS]
        r = random.Random(seed)
        floats = [repr(r.random()) for _ in range(6)]
        r = random.Random(seed)
        below = [{"n": n, "value": r._randbelow(n)} for n in BELOW]
        streams.append({"seed": seed, "getrandbits": bits, "random": floats, "randbelow": below})
    return {"shuffles": shuffles, "streams": streams}


def version():
    return "%d.%d.%d" % sys.version_info[:3]


def main():
    if sys.argv[1:] == ["--values"]:
        json.dump(values(), sys.stdout)
        return
    mine = values()
    agreeing = [version()]
    for exe in sorted(glob.glob("/root/.pyenv/versions/3.*/bin/python3")):
        other = subprocess.run([exe, __file__, "--values"], check=True, capture_output=True, text=True).stdout
        if json.loads(other) != mine:
            sys.exit("%s disagrees with %s" % (exe, sys.executable))
        agreeing.append(subprocess.run([exe, "-c", "import platform; print(platform.python_version())"],
                                       check=True, capture_output=True, text=True).stdout.strip())
    doc = {"source": "CPython random module: Random(seed).shuffle / getrandbits / random / _randbelow; "
                     "large shuffles via random.seed(12); random.shuffle(list)",
           "python_versions": agreeing}
    doc.update(mine)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, "(agreeing:", ", ".join(agreeing) + ")")


if __name__ == "__main__":
    main()
