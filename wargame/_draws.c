/* Binomial and multinomial draws for the compiled build: numpy's own C functions
 * (random_binomial and random_multinomial from numpy's libnpyrandom, its documented C API for
 * extensions), called on the run's generator without the per-call cost of Generator.binomial
 * (argument arrays, the lock: about 4,000 instructions a draw against 400 for the draw itself).
 *
 * Same generator state in, same numbers out, as rng.binomial(n, p) and rng.multinomial(n, pvals)
 * give: the same functions on the same bit generator. wargame/draws.py checks that at import
 * and uses numpy's methods instead if they ever differ (a numpy whose algorithm changed after
 * this module was built), and whenever this module is not built (the pure-Python install).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "numpy/random/bitgen.h"
#include "numpy/random/distributions.h"

/* The bit generator of the last generator asked for (held, so that its id cannot be reused),
 * and numpy's memo of the last (n, p) for the binomial (it only saves recomputing constants;
 * numpy keeps one per generator, to the same effect). */
static PyObject *last_rng = NULL;
static PyObject *last_capsule = NULL;
static bitgen_t *last_bitgen = NULL;
static binomial_t memo;

static bitgen_t *
bitgen_of(PyObject *rng)
{
    if (rng == last_rng) {
        return last_bitgen;
    }
    PyObject *bg = PyObject_GetAttrString(rng, "bit_generator");
    if (bg == NULL) {
        return NULL;
    }
    PyObject *capsule = PyObject_GetAttrString(bg, "capsule");
    Py_DECREF(bg);
    if (capsule == NULL) {
        return NULL;
    }
    bitgen_t *bitgen = (bitgen_t *)PyCapsule_GetPointer(capsule, "BitGenerator");
    if (bitgen == NULL) {
        Py_DECREF(capsule);
        return NULL;
    }
    Py_INCREF(rng);
    Py_XDECREF(last_rng);
    Py_XDECREF(last_capsule);
    last_rng = rng;
    last_capsule = capsule;
    last_bitgen = bitgen;
    return bitgen;
}

/* A whole number of trials n >= 0 (-1 with the error set otherwise). */
static long long
trials(PyObject *o)
{
    long long n = PyLong_AsLongLong(o);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "n < 0");
        return -1;
    }
    return n;
}

/* A chance 0 <= p <= 1 into *p (0 on success; -1 with the error set, NaN refused as numpy
 * refuses it, with numpy's message). */
static int
chance(PyObject *o, double *p, const char *refusal)
{
    *p = PyFloat_AsDouble(o);
    if (*p == -1.0 && PyErr_Occurred()) {
        return -1;
    }
    if (!(*p >= 0.0 && *p <= 1.0)) {
        PyErr_SetString(PyExc_ValueError, refusal);
        return -1;
    }
    return 0;
}

/* binomial(rng, n, p) -> int: rng.binomial(n, p) for whole n >= 0 and 0 <= p <= 1. */
static PyObject *
binomial(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "binomial(rng, n, p) takes 3 arguments");
        return NULL;
    }
    double p;
    long long n = trials(args[1]);
    if (n < 0 || chance(args[2], &p, "p < 0, p > 1 or p is NaN") < 0) {
        return NULL;
    }
    bitgen_t *bitgen = bitgen_of(args[0]);
    if (bitgen == NULL) {
        return NULL;
    }
    return PyLong_FromLongLong(random_binomial(bitgen, p, (int64_t)n, &memo));
}

/* multinomial3(rng, n, p0, p1, p2) -> (k0, k1, k2): rng.multinomial(n, [p0, p1, p2]) for
 * shares that sum to at most 1 (the caller's; numpy checks the sum, this does not). */
static PyObject *
multinomial3(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "multinomial3(rng, n, p0, p1, p2) takes 5 arguments");
        return NULL;
    }
    long long n = trials(args[1]);
    if (n < 0) {
        return NULL;
    }
    double pix[3];
    for (int j = 0; j < 3; j++) {
        if (chance(args[2 + j], &pix[j], "pvals < 0, pvals > 1 or pvals contains NaNs") < 0) {
            return NULL;
        }
    }
    bitgen_t *bitgen = bitgen_of(args[0]);
    if (bitgen == NULL) {
        return NULL;
    }
    int64_t mnix[3] = {0, 0, 0};
    random_multinomial(bitgen, (int64_t)n, mnix, pix, 3, &memo);
    return Py_BuildValue("(LLL)", (long long)mnix[0], (long long)mnix[1], (long long)mnix[2]);
}

static PyMethodDef methods[] = {
    {"binomial", (PyCFunction)(void (*)(void))binomial, METH_FASTCALL,
     "binomial(rng, n, p) -> int: rng.binomial(n, p), without its per-call overhead."},
    {"multinomial3", (PyCFunction)(void (*)(void))multinomial3, METH_FASTCALL,
     "multinomial3(rng, n, p0, p1, p2) -> tuple: rng.multinomial(n, [p0, p1, p2])."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "wargame._draws",
    "numpy's binomial and multinomial draws, called without Generator's per-call overhead.",
    -1, methods,
};

PyMODINIT_FUNC
PyInit__draws(void)
{
    return PyModule_Create(&module);
}
