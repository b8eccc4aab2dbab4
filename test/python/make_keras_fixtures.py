"""Writes small Keras model files of the DanQ family with seeded random weights, in the exact layouts
Keras writes (no Keras needed): tf.keras 2 HDF5 (Sequential and functional), Keras 0.2 / Theano HDF5
as in the original DanQ release, and a Keras 3 `.keras` zip. Sizes are scaled down so tests stay fast.

usage: make_keras_fixtures.py OUTDIR [MOTIFS.jaspar]
       make_keras_fixtures.py --danq-keras0-full OUTDIR   (only the full-size DanQ Keras 0 file)
"""
import io
import json
import os
import sys
import zipfile

import h5py
import numpy as np

rng = np.random.default_rng(20261201)


def rand(shape, fan_in, gain=3.0):
    return (rng.uniform(-1, 1, size=shape) * gain / np.sqrt(fan_in)).astype(np.float32)


def layer(cls, name, **cfg):
    return {"class_name": cls, "config": dict(cfg, name=name)}


def save_keras2(path, layers, weights, functional=False, chunk_layer_names=False, version="2.8.0"):
    """weights: {layer name: [(weight name, array), ...]} in Keras' order."""
    if functional:
        prev = None
        for l in layers:
            l["name"] = l["config"]["name"]
            l["inbound_nodes"] = [] if prev is None else [[[prev, 0, 0, {}]]]
            prev = l["name"]
        config = {"class_name": "Functional", "config": {"name": "model", "layers": layers,
                  "input_layers": [[layers[0]["name"], 0, 0]], "output_layers": [[layers[-1]["name"], 0, 0]]}}
    else:
        config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers}}
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = version
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        names = [l["config"]["name"] for l in layers if l["class_name"] != "InputLayer"]
        if chunk_layer_names:
            # What Keras does with attributes over 64 KB: layer_names0, layer_names1, ...
            half = len(names) // 2
            g.attrs["layer_names0"] = np.array([n.encode() for n in names[:half]])
            g.attrs["layer_names1"] = np.array([n.encode() for n in names[half:]])
        else:
            g.attrs["layer_names"] = np.array([n.encode() for n in names])
        g.attrs["backend"] = "tensorflow"
        g.attrs["keras_version"] = version
        for n in names:
            lg = g.create_group(n)
            ws = weights.get(n, [])
            wn = np.array([w[0].encode() for w in ws])
            if chunk_layer_names and len(ws) > 3:
                # Keras splits any attribute over 64 KB, weight_names included.
                lg.attrs["weight_names0"] = wn[:len(ws) // 2]
                lg.attrs["weight_names1"] = wn[len(ws) // 2:]
            else:
                lg.attrs["weight_names"] = wn
            for wname, arr in ws:
                lg.create_dataset(wname, data=arr)


def lstm_weights(prefix, inp, units, gates=4):
    return [(prefix + "/kernel:0", rand((inp, gates * units), inp)),
            (prefix + "/recurrent_kernel:0", rand((units, gates * units), units, 2.0)),
            (prefix + "/bias:0", rand((gates * units,), 1, 0.3))]


def conv_dense(name, shape_k, fan):
    return [(name + "/kernel:0", rand(shape_k, fan, 4.0)), (name + "/bias:0", rand((shape_k[-1],), 1, 0.2))]


def seed_notebook(outdir):
    """The seed notebook's architecture, scaled down: Conv1D relu, MaxPooling1D() (pool 2), Dropout 0.2,
    BiLSTM return_sequences, Dropout 0.5, Flatten, Dense relu, Dense 690 sigmoid; input 1000 x 4."""
    L, F, K, H, D, O = 1000, 12, 26, 6, 16, 690
    T = (L - K + 1) // 2
    layers = [
        layer("InputLayer", "input_1", batch_input_shape=[None, L, 4], dtype="float32"),
        layer("Conv1D", "conv1d", filters=F, kernel_size=[K], strides=[1], padding="valid", activation="relu", use_bias=True, data_format="channels_last", dilation_rate=[1], groups=1),
        layer("MaxPooling1D", "max_pooling1d", pool_size=[2], strides=[2], padding="valid", data_format="channels_last"),
        layer("Dropout", "dropout", rate=0.2),
        layer("Bidirectional", "bidirectional", merge_mode="concat", layer={"class_name": "LSTM", "config": {"name": "lstm", "units": H, "return_sequences": True, "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True}}),
        layer("Dropout", "dropout_1", rate=0.5),
        layer("Flatten", "flatten"),
        layer("Dense", "dense", units=D, activation="relu", use_bias=True),
        layer("Dense", "dense_1", units=O, activation="sigmoid", use_bias=True),
    ]
    weights = {
        "conv1d": conv_dense("conv1d", (K, 4, F), 4 * K),
        "bidirectional": lstm_weights("bidirectional/forward_lstm/lstm_cell", F, H) + lstm_weights("bidirectional/backward_lstm/lstm_cell", F, H),
        "dense": [("dense/kernel:0", rand((T * 2 * H, D), T * 2 * H, 5.0)), ("dense/bias:0", rand((D,), 1, 0.1))],
        "dense_1": [("dense_1/kernel:0", rand((D, O), D, 6.0)), ("dense_1/bias:0", rand((O,), 1, 1.0) - 1)],
    }
    save_keras2(os.path.join(outdir, "seed_keras2.h5"), layers, weights, chunk_layer_names=True)
    return {"layers": layers, "weights": weights}


def danq_paper_keras2_functional(outdir):
    """DanQ's architecture (pool 13/13, Dense then Activation layers, 919 outputs) as a functional model."""
    L, F, K, P, H, D, O = 1000, 10, 26, 13, 5, 12, 919
    T = (L - K + 1) // P
    layers = [
        layer("InputLayer", "input", batch_input_shape=[None, L, 4]),
        layer("Conv1D", "conv", filters=F, kernel_size=[K], padding="valid", activation="relu"),
        layer("MaxPooling1D", "pool", pool_size=[P], strides=[P], padding="valid"),
        layer("Dropout", "drop1", rate=0.2),
        layer("Bidirectional", "brnn", merge_mode="concat", layer={"class_name": "LSTM", "config": {"name": "lstm", "units": H, "return_sequences": True}}),
        layer("Dropout", "drop2", rate=0.5),
        layer("Flatten", "flat"),
        layer("Dense", "fc", units=D, activation="linear"),
        layer("Activation", "fc_relu", activation="relu"),
        layer("Dense", "out", units=O, activation="linear"),
        layer("Activation", "out_sigmoid", activation="sigmoid"),
    ]
    weights = {
        "conv": conv_dense("conv", (K, 4, F), 4 * K),
        "brnn": lstm_weights("brnn/forward_lstm/lstm_cell", F, H) + lstm_weights("brnn/backward_lstm/lstm_cell", F, H),
        "fc": [("fc/kernel:0", rand((T * 2 * H, D), T * 2 * H, 5.0)), ("fc/bias:0", rand((D,), 1, 0.1))],
        "out": [("out/kernel:0", rand((D, O), D, 6.0)), ("out/bias:0", rand((O,), 1, 1.0) - 1)],
    }
    save_keras2(os.path.join(outdir, "danq_functional_keras2.h5"), layers, weights, functional=True)


def variety(outdir):
    """The other layers the importer maps, at odd sizes: same padding, strides, dilation, average
    pooling with 'same', GRU (reset_after), a Bidirectional 'sum' merge, global pooling, hard_sigmoid,
    an LSTM that returns its last state only."""
    L = 101
    gru = [
        layer("InputLayer", "in", batch_input_shape=[None, L, 4]),
        layer("Conv1D", "c1", filters=7, kernel_size=[9], strides=[1], dilation_rate=[2], padding="same", activation="elu"),
        layer("AveragePooling1D", "p1", pool_size=[3], strides=[2], padding="same"),
        layer("Bidirectional", "bgru", merge_mode="sum", layer={"class_name": "GRU", "config": {"name": "gru", "units": 6, "return_sequences": True, "reset_after": True, "recurrent_activation": "sigmoid"}}),
        layer("GlobalMaxPooling1D", "gmax"),
        layer("Dense", "d", units=5, activation="sigmoid"),
    ]
    gw = {
        "c1": conv_dense("c1", (9, 4, 7), 36),
        "bgru": [("bgru/forward_gru/gru_cell/kernel:0", rand((7, 18), 7)), ("bgru/forward_gru/gru_cell/recurrent_kernel:0", rand((6, 18), 6, 2.0)), ("bgru/forward_gru/gru_cell/bias:0", rand((2, 18), 1, 0.3)),
                 ("bgru/backward_gru/gru_cell/kernel:0", rand((7, 18), 7)), ("bgru/backward_gru/gru_cell/recurrent_kernel:0", rand((6, 18), 6, 2.0)), ("bgru/backward_gru/gru_cell/bias:0", rand((2, 18), 1, 0.3))],
        "d": [("d/kernel:0", rand((6, 5), 6, 4.0)), ("d/bias:0", rand((5,), 1, 0.3))],
    }
    save_keras2(os.path.join(outdir, "variety_gru.h5"), gru, gw)
    lstm = [
        layer("InputLayer", "in", batch_input_shape=[None, L, 4]),
        layer("Conv1D", "c1", filters=8, kernel_size=[6], strides=[2], padding="valid", activation="tanh"),
        layer("MaxPooling1D", "p1", pool_size=[3], strides=[2], padding="same"),
        layer("LSTM", "l1", units=5, return_sequences=False, recurrent_activation="hard_sigmoid", activation="tanh"),
        layer("Dense", "d1", units=9, activation="relu"),
        layer("Dense", "d2", units=4, activation="sigmoid"),
    ]
    lw = {
        "c1": conv_dense("c1", (6, 4, 8), 24),
        "l1": lstm_weights("l1/lstm_cell", 8, 5),
        "d1": [("d1/kernel:0", rand((5, 9), 5, 4.0)), ("d1/bias:0", rand((9,), 1, 0.2))],
        "d2": [("d2/kernel:0", rand((9, 4), 9, 4.0)), ("d2/bias:0", rand((4,), 1, 0.3))],
    }
    save_keras2(os.path.join(outdir, "variety_lstm.h5"), lstm, lw)


def keras0_danq_file(path, sizes, gen=None):
    """A Keras 0.2 / Theano HDF5 file in the original DanQ release's layout (DanQ_train.py's Sequential
    saved by save_weights: nb_layers, layer_i groups with nb_params and param_j; seya's Bidirectional
    holds the forward LSTM's 12 parameters, then the backward one's, each W, U, b per gate i, c, f, o).
    Returns the architecture in the importer's JSON dialect."""
    global rng
    saved = rng
    if gen is not None:
        rng = gen
    try:
        L, F, K, P, H, D, O = sizes
        T = (L - K + 1) // P
        arch = {"inputLength": L, "layers": [
            {"class_name": "Conv1D", "config": {"filters": F, "kernel_size": K, "activation": "relu"}},
            {"class_name": "MaxPooling1D", "config": {"pool_size": P, "strides": P}},
            {"class_name": "Dropout"},
            {"class_name": "Bidirectional", "config": {"layer": {"class_name": "LSTM", "config": {"units": H, "return_sequences": True, "activation": "tanh", "recurrent_activation": "hard_sigmoid"}}}},
            {"class_name": "Dropout"},
            {"class_name": "Flatten"},
            {"class_name": "Dense", "config": {"units": D}},
            {"class_name": "Activation", "config": {"activation": "relu"}},
            {"class_name": "Dense", "config": {"units": O}},
            {"class_name": "Activation", "config": {"activation": "sigmoid"}},
        ]}
        params = {
            0: [rand((F, 4, K, 1), 4 * K, 4.0), rand((F,), 1, 0.2)],
            3: [],
            6: [rand((T * 2 * H, D), T * 2 * H, 5.0), rand((D,), 1, 0.1)],
            8: [rand((D, O), D, 6.0), rand((O,), 1, 1.0) - 1],
        }
        for _ in range(2):
            for _gate in "icfo":
                params[3] += [rand((F, H), F), rand((H, H), H, 2.0), rand((H,), 1, 0.3)]
    finally:
        rng = saved
    with h5py.File(path, "w") as f:
        f.attrs["nb_layers"] = np.int64(len(arch["layers"]))  # an integer scalar: h5wasm reads it as a BigInt
        for i in range(len(arch["layers"])):
            g = f.create_group("layer_%d" % i)
            ps = params.get(i, [])
            g.attrs["nb_params"] = np.int64(len(ps))
            for j, p in enumerate(ps):
                g.create_dataset("param_%d" % j, data=p)
    return arch


def keras0_danq(outdir):
    """The original DanQ file's layout, scaled down."""
    arch = keras0_danq_file(os.path.join(outdir, "danq_keras0.h5"), (1000, 10, 26, 13, 5, 12, 919))
    with open(os.path.join(outdir, "danq_keras0_arch.json"), "w") as fh:
        json.dump(arch, fh)


def keras0_danq_full(outdir):
    """The original DanQ file's layout at DanQ's own sizes (DanQ_train.py: 320 filters x 26, pool 13,
    LSTM 320 per direction, Dense 925, 919 outputs; 46.9 M parameters, ~190 MB), seeded weights.
    Written at test time only: too large to commit."""
    arch = keras0_danq_file(os.path.join(outdir, "danq_full_keras0.h5"), (1000, 320, 26, 13, 320, 925, 919), np.random.default_rng(20261207))
    with open(os.path.join(outdir, "danq_full_keras0_arch.json"), "w") as fh:
        json.dump(arch, fh)


def keras3_zip(outdir):
    """A Keras 3 `.keras` zip (config.json, metadata.json, model.weights.h5 with layers/<name>/vars/<i>)."""
    L, F, K, H, D, O = 200, 6, 11, 4, 8, 3
    T = (L - K + 1) // 4
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [None, L, 4], "dtype": "float32", "name": "input_layer"}},
        {"module": "keras.layers", "class_name": "Conv1D", "config": {"name": "conv1d", "filters": F, "kernel_size": [K], "strides": [1], "padding": "valid", "activation": "relu", "use_bias": True, "data_format": "channels_last", "dilation_rate": [1], "groups": 1}},
        {"module": "keras.layers", "class_name": "MaxPooling1D", "config": {"name": "max_pooling1d", "pool_size": [4], "strides": [4], "padding": "valid", "data_format": "channels_last"}},
        {"module": "keras.layers", "class_name": "Bidirectional", "config": {"name": "bidirectional", "merge_mode": "concat", "layer": {"module": "keras.layers", "class_name": "LSTM", "config": {"name": "lstm", "units": H, "return_sequences": True, "activation": "tanh", "recurrent_activation": "hard_sigmoid", "use_bias": True}}}},
        {"module": "keras.layers", "class_name": "Flatten", "config": {"name": "flatten", "data_format": "channels_last"}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": D, "activation": "relu", "use_bias": True}},
        {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "units": O, "activation": "sigmoid", "use_bias": True}},
    ]
    config = {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": True, "layers": layers}, "build_config": {"input_shape": [None, L, 4]}}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        def put(path, arrays):
            g = f.create_group(path)
            for i, a in enumerate(arrays):
                g.create_dataset(str(i), data=a)
        put("layers/conv1d/vars", [rand((K, 4, F), 4 * K, 4.0), rand((F,), 1, 0.2)])
        put("layers/max_pooling1d/vars", [])
        # The backward layer is written first here: the importer must order by name, not by file order.
        put("layers/bidirectional/backward_layer/cell/vars", [rand((F, 4 * H), F), rand((H, 4 * H), H, 2.0), rand((4 * H,), 1, 0.3)])
        put("layers/bidirectional/forward_layer/cell/vars", [rand((F, 4 * H), F), rand((H, 4 * H), H, 2.0), rand((4 * H,), 1, 0.3)])
        put("layers/flatten/vars", [])
        put("layers/dense/vars", [rand((T * 2 * H, D), T * 2 * H, 5.0), rand((D,), 1, 0.1)])
        put("layers/dense_1/vars", [rand((D, O), D, 5.0), rand((O,), 1, 0.3)])
    with zipfile.ZipFile(os.path.join(outdir, "small.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0", "date_saved": "2026-12-01@00:00:00"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def read_jaspar(path):
    """JASPAR count matrices as (width, 4) probabilities in the file's A, C, G, T order."""
    motifs, rows = [], None
    for line in open(path):
        line = line.strip()
        if line.startswith(">"):
            rows = {}
            motifs.append(rows)
        elif rows is not None and line[:1] in "ACGT" and line:
            rows[line[0]] = [float(v) for v in line[1:].replace("[", " ").replace("]", " ").split()]
    out = []
    for r in motifs:
        m = np.array([r["A"], r["C"], r["G"], r["T"]]).T
        out.append(m / m.sum(axis=1, keepdims=True))
    return out


def motif_filters(outdir, jaspar):
    """A model trained on A,C,G,T input, in effect: its 12 filters are JASPAR log-odds matrices in
    A,C,G,T column order. Imported as A,G,C,T (the default) it must be refused as a likely mismatch."""
    L, K, F = 101, 19, 12
    motifs = [m for m in read_jaspar(jaspar) if 12 <= len(m) <= K][:F]
    kernel = np.zeros((K, 4, F), dtype=np.float32)
    for f, m in enumerate(motifs):
        lo = np.log2((m + 0.01) / 0.26)
        kernel[:len(m), :, f] = lo - lo.mean(axis=1, keepdims=True)
    layers = [
        layer("InputLayer", "in", batch_input_shape=[None, L, 4]),
        layer("Conv1D", "motifs", filters=F, kernel_size=[K], padding="valid", activation="relu"),
        layer("GlobalMaxPooling1D", "gmax"),
        layer("Dense", "out", units=2, activation="sigmoid"),
    ]
    weights = {"motifs": [("motifs/kernel:0", kernel), ("motifs/bias:0", np.full((F,), -2, dtype=np.float32))],
               "out": [("out/kernel:0", rand((F, 2), F, 2.0)), ("out/bias:0", np.zeros(2, dtype=np.float32))]}
    save_keras2(os.path.join(outdir, "motifs_acgt.h5"), layers, weights)


def bad_inputs(outdir):
    with h5py.File(os.path.join(outdir, "bad_not_keras.h5"), "w") as f:
        f.create_dataset("x", data=np.zeros(10))
    layers = [
        layer("InputLayer", "in", batch_input_shape=[None, 101, 4]),
        layer("Conv1D", "c1", filters=4, kernel_size=[5], padding="valid", activation="relu"),
        layer("BatchNormalization", "bn1", axis=-1),
        layer("Flatten", "flat"),
        layer("Dense", "d", units=1, activation="sigmoid"),
    ]
    save_keras2(os.path.join(outdir, "bad_layer.h5"), layers, {"c1": conv_dense("c1", (5, 4, 4), 20)})
    # Declared input 500 bp, but the Dense kernel was trained for the flatten of 1000 bp.
    layers = [
        layer("InputLayer", "in", batch_input_shape=[None, 500, 4]),
        layer("Conv1D", "c1", filters=4, kernel_size=[5], padding="valid", activation="relu"),
        layer("Flatten", "flat"),
        layer("Dense", "head", units=1, activation="sigmoid"),
    ]
    save_keras2(os.path.join(outdir, "bad_length.h5"), layers, {"c1": conv_dense("c1", (5, 4, 4), 20), "head": [("head/kernel:0", rand((996 * 4, 1), 100)), ("head/bias:0", rand((1,), 1))]})


def keras3_functional(outdir):
    """A Keras 3 functional model (inbound nodes as keras_history) with an undeclared input length."""
    def node(src):
        return [{"args": [{"class_name": "__keras_tensor__", "config": {"shape": [None, None, 4], "dtype": "float32", "keras_history": [src, 0, 0]}}], "kwargs": {}}]
    layers = [
        {"module": "keras.layers", "class_name": "InputLayer", "name": "seq", "config": {"batch_shape": [None, None, 4], "dtype": "float32", "name": "seq"}, "inbound_nodes": []},
        {"module": "keras.layers", "class_name": "Conv1D", "name": "motif_scan", "config": {"name": "motif_scan", "filters": 5, "kernel_size": [9], "strides": [1], "padding": "same", "activation": "relu", "use_bias": True}, "inbound_nodes": node("seq")},
        {"module": "keras.layers", "class_name": "GlobalMaxPooling1D", "name": "best_site", "config": {"name": "best_site"}, "inbound_nodes": node("motif_scan")},
        {"module": "keras.layers", "class_name": "Dense", "name": "p", "config": {"name": "p", "units": 2, "activation": "sigmoid", "use_bias": True}, "inbound_nodes": node("best_site")},
    ]
    config = {"module": "keras", "class_name": "Functional", "config": {"name": "functional", "layers": layers, "input_layers": [["seq", 0, 0]], "output_layers": [["p", 0, 0]]}}
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.create_group("layers/motif_scan/vars").create_dataset("0", data=rand((9, 4, 5), 36, 4.0))
        f["layers/motif_scan/vars"].create_dataset("1", data=rand((5,), 1, 0.2))
        f.create_group("layers/p/vars").create_dataset("0", data=rand((5, 2), 5, 3.0))
        f["layers/p/vars"].create_dataset("1", data=rand((2,), 1, 0.2))
    with zipfile.ZipFile(os.path.join(outdir, "functional_any_length.keras"), "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
        z.writestr("config.json", json.dumps(config))
        z.writestr("model.weights.h5", buf.getvalue())


def main():
    if sys.argv[1] == "--danq-keras0-full":
        os.makedirs(sys.argv[2], exist_ok=True)
        keras0_danq_full(sys.argv[2])
        print("ok")
        return
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    seed_notebook(outdir)
    danq_paper_keras2_functional(outdir)
    variety(outdir)
    keras0_danq(outdir)
    keras3_zip(outdir)
    keras3_functional(outdir)
    if len(sys.argv) > 2:
        motif_filters(outdir, sys.argv[2])
    bad_inputs(outdir)
    print("ok")


if __name__ == "__main__":
    main()
