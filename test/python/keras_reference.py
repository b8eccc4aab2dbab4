"""An independent forward pass of Keras models in NumPy (float64), written from the Keras layer
semantics and reading the model files with h5py: the reference `tfbs import` is checked against.

It shares no code or weight-layout logic with the TypeScript importer: it computes with the weights
in the layouts Keras itself uses (Keras 2 kernels as stored; Keras 0's per-gate LSTM parameters and
Theano's true convolution as Theano computed them). The Keras 0 part follows Keras 0.2's
`LSTM.get_output` and seya's `Bidirectional` (seya/layers/recurrent.py, the version for Keras 0.2 that
DanQ_train.py imports) operation by operation, reversals included.

usage: keras_reference.py MODEL INPUT.f32 COUNT LENGTH OUTPUT.f32 [--keras0-arch ARCH.json [--bidirectional seya|true-reverse]]
  INPUT.f32: COUNT x LENGTH x 4 float32 one-hot windows (the model's own channel order)
  MODEL: a tf.keras 2 .h5, a Keras 3 .keras zip, or a Keras 0 .h5 with --keras0-arch
  --bidirectional: Keras 0 files, how seya's Bidirectional is read: 'seya' (default) computes what the
    layer computed (both LSTMs forward in time), 'true-reverse' a true bidirectional LSTM
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np


def act(name, x, keras3=False):
    if isinstance(name, dict):
        name = name.get("config", name.get("class_name"))
    name = name or "linear"
    if name == "linear":
        return x
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    if name == "hard_sigmoid":
        # Keras 0-2 (and Theano): 0.2 x + 0.5; Keras 3: relu6(x + 3) / 6.
        return np.clip(x / 6 + 0.5, 0, 1) if keras3 else np.clip(0.2 * x + 0.5, 0, 1)
    if name == "elu":
        return np.where(x > 0, x, np.exp(x) - 1)
    if name == "softplus":
        return np.log1p(np.exp(x))
    if name == "softmax":
        e = np.exp(x - x.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise SystemExit("reference: activation %s not implemented" % name)


def one(v, default=None):
    if v is None:
        return default
    return v[0] if isinstance(v, (list, tuple)) else v


def conv1d(x, kernel, bias, stride, dilation, padding):
    """Cross-correlation, kernel (k, in, out), x (N, L, in)."""
    k = kernel.shape[0]
    n, length, _ = x.shape
    if padding == "same":
        out_len = -(-length // stride)
        total = max(0, (out_len - 1) * stride + (k - 1) * dilation + 1 - length)
        x = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
    else:
        out_len = (length - (k - 1) * dilation - 1) // stride + 1
    y = np.zeros((n, out_len, kernel.shape[2]))
    for t in range(out_len):
        for j in range(k):
            y[:, t, :] += x[:, t * stride + j * dilation, :] @ kernel[j]
    return y + (bias if bias is not None else 0)


def pool1d(x, size, stride, padding, op):
    n, length, c = x.shape
    if padding == "same":
        out_len = -(-length // stride)
        total = max(0, (out_len - 1) * stride + size - length)
        left = total // 2
        fill = -np.inf if op == "max" else np.nan
        x = np.concatenate([np.full((n, left, c), fill), x, np.full((n, total - left, c), fill)], axis=1)
    else:
        out_len = (length - size) // stride + 1
    windows = np.stack([x[:, t * stride:t * stride + size, :] for t in range(out_len)], axis=1)
    return windows.max(axis=2) if op == "max" else np.nanmean(windows, axis=2)


def lstm_run(x, kernel, rec, bias, units, activation, rec_activation, keras3):
    """Keras 2 LSTM: kernels (in, 4H) and (H, 4H), gates i, f, c, o. Returns all hidden states."""
    n, steps, _ = x.shape
    h = np.zeros((n, units))
    c = np.zeros((n, units))
    out = []
    for t in range(steps):
        z = x[:, t, :] @ kernel + h @ rec + (bias if bias is not None else 0)
        i = act(rec_activation, z[:, :units], keras3)
        f = act(rec_activation, z[:, units:2 * units], keras3)
        g = act(activation, z[:, 2 * units:3 * units], keras3)
        o = act(rec_activation, z[:, 3 * units:], keras3)
        c = f * c + i * g
        h = o * act(activation, c, keras3)
        out.append(h)
    return np.stack(out, axis=1)


def gru_run(x, kernel, rec, bias, units, activation, rec_activation, reset_after, keras3):
    """Keras 2 GRU: gates z, r, h; reset_after applies r after the recurrent product."""
    n, steps, _ = x.shape
    h = np.zeros((n, units))
    if bias is None:
        bias = np.zeros((2, 3 * units)) if reset_after else np.zeros(3 * units)
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros(3 * units))
    out = []
    for t in range(steps):
        xz = x[:, t, :] @ kernel + b_in
        if reset_after:
            hz = h @ rec + b_rec
            z = act(rec_activation, xz[:, :units] + hz[:, :units], keras3)
            r = act(rec_activation, xz[:, units:2 * units] + hz[:, units:2 * units], keras3)
            hh = act(activation, xz[:, 2 * units:] + r * hz[:, 2 * units:], keras3)
        else:
            z = act(rec_activation, xz[:, :units] + h @ rec[:, :units], keras3)
            r = act(rec_activation, xz[:, units:2 * units] + h @ rec[:, units:2 * units], keras3)
            hh = act(activation, xz[:, 2 * units:] + (r * h) @ rec[:, 2 * units:], keras3)
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out, axis=1)


def rnn(cls, cfg, weights, x, keras3, backwards=False):
    units = cfg["units"]
    a = cfg.get("activation", "tanh")
    ra = cfg.get("recurrent_activation", "sigmoid")
    kernel, rec = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    seq = x[:, ::-1, :] if backwards else x
    if cls == "LSTM":
        hs = lstm_run(seq, kernel, rec, bias, units, a, ra, keras3)
    else:
        hs = gru_run(seq, kernel, rec, bias, units, a, ra, cfg.get("reset_after", False), keras3)
    return hs


def forward(layers, weights_of, x, keras3=False):
    x = x.astype(np.float64)
    for cls, cfg in layers:
        name = cfg.get("name")
        if cls in ("InputLayer", "Dropout", "SpatialDropout1D"):
            continue
        if cls in ("Conv1D", "Convolution1D"):
            w = weights_of(name)
            x = act(cfg.get("activation"), conv1d(x, w[0], w[1] if len(w) > 1 else None, one(cfg.get("strides"), 1), one(cfg.get("dilation_rate"), 1), cfg.get("padding", "valid")), keras3)
        elif cls in ("MaxPooling1D", "AveragePooling1D"):
            size = one(cfg.get("pool_size"), 2)
            x = pool1d(x, size, one(cfg.get("strides"), size) or size, cfg.get("padding", "valid"), "max" if cls.startswith("Max") else "avg")
        elif cls in ("GlobalMaxPooling1D", "GlobalAveragePooling1D"):
            x = x.max(axis=1) if "Max" in cls else x.mean(axis=1)
        elif cls in ("LSTM", "GRU"):
            hs = rnn(cls, cfg, weights_of(name), x, keras3)
            x = hs if cfg.get("return_sequences") else hs[:, -1, :]
        elif cls == "Bidirectional":
            inner = cfg["layer"]
            w = weights_of(name)
            half = len(w) // 2
            fw = rnn(inner["class_name"], inner["config"], w[:half], x, keras3)
            bw = rnn(inner["class_name"], inner["config"], w[half:], x, keras3, backwards=True)
            if inner["config"].get("return_sequences"):
                fw, bw = fw, bw[:, ::-1, :]  # the backward outputs, back in input order
            else:
                fw, bw = fw[:, -1, :], bw[:, -1, :]
            mode = cfg.get("merge_mode", "concat")
            x = np.concatenate([fw, bw], axis=-1) if mode == "concat" else fw + bw if mode == "sum" else (fw + bw) / 2 if mode == "ave" else fw * bw
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif cls == "Dense":
            w = weights_of(name)
            x = act(cfg.get("activation"), x @ w[0] + (w[1] if len(w) > 1 else 0), keras3)
        elif cls == "Activation":
            x = act(cfg.get("activation"), x, keras3)
        else:
            raise SystemExit("reference: layer %s not implemented" % cls)
    return x


def keras2_layers(config):
    layers = config["config"]["layers"] if isinstance(config["config"], dict) else config["config"]
    return [(l["class_name"], dict(l["config"], name=l["config"].get("name", l.get("name")))) for l in layers]


def keras2(path, x):
    f = h5py.File(path, "r")
    config = json.loads(f.attrs["model_config"])
    g = f["model_weights"]

    def weights_of(name):
        attrs = g[name].attrs
        if "weight_names" in attrs:
            raw = list(attrs["weight_names"])
        else:  # chunked: weight_names0, weight_names1, ...
            raw, i = [], 0
            while "weight_names%d" % i in attrs:
                raw += list(attrs["weight_names%d" % i])
                i += 1
        names = [n.decode() if isinstance(n, bytes) else n for n in raw]
        return [np.array(g[name][n], dtype=np.float64) for n in names]

    return forward(keras2_layers(config), weights_of, x)


def keras3(path, x):
    z = zipfile.ZipFile(path)
    config = json.loads(z.read("config.json"))
    f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")

    def weights_of(name):
        out = []

        def walk(g):
            keys = sorted(g.keys(), key=lambda k: (0 if k == "forward_layer" else 1 if k == "backward_layer" else 2, int(k) if k.isdigit() else 0, k))
            for k in keys:
                if isinstance(g[k], h5py.Group):
                    walk(g[k])
                else:
                    out.append(np.array(g[k], dtype=np.float64))

        walk(f["layers"][name])
        return out

    return forward(keras2_layers(config), weights_of, x, keras3=True)


def theano_hard_sigmoid(x):
    """Theano's T.nnet.hard_sigmoid, which Keras 0.2's 'hard_sigmoid' calls: 0.2 x + 0.5, clipped."""
    return np.clip(0.2 * x + 0.5, 0, 1)


def keras02_activation(name):
    if name in (None, "hard_sigmoid"):
        return theano_hard_sigmoid
    if name == "tanh":
        return np.tanh
    if name == "sigmoid":
        return lambda v: 1 / (1 + np.exp(-v))
    raise SystemExit("reference: Keras 0 recurrent activation %s not implemented" % name)


def keras02_lstm_get_output(X, params, return_sequences, activation="tanh", inner_activation="hard_sigmoid"):
    """Keras 0.2's LSTM.get_output, step by step. X is (nb_samples, time, input_dim), as the layer gets it.

    params in LSTM.params order: W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o.
    get_output dimshuffles X to (time, nb_samples, input_dim), projects it per gate, and scans over the
    first axis (time) from zeros. The mask it builds (no Masking layer before it: all ones) is left-padded
    in time with one 0, so step t sees mask_tm1 = 0 at t = 0 and 1 after, which multiplies h and c.
    With return_sequences the outputs are dimshuffled back to (nb_samples, time, output_dim).
    """
    W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o = params
    act_outer = keras02_activation(activation)
    act_inner = keras02_activation(inner_activation)
    X = X.transpose(1, 0, 2)
    xi = X @ W_i + b_i
    xf = X @ W_f + b_f
    xc = X @ W_c + b_c
    xo = X @ W_o + b_o
    units = W_i.shape[1]
    h = np.zeros((X.shape[1], units))
    c = np.zeros((X.shape[1], units))
    outputs = []
    for t in range(X.shape[0]):
        mask_tm1 = 0.0 if t == 0 else 1.0
        h_mask_tm1 = mask_tm1 * h
        c_mask_tm1 = mask_tm1 * c
        i_t = act_inner(xi[t] + h_mask_tm1 @ U_i)
        f_t = act_inner(xf[t] + h_mask_tm1 @ U_f)
        c = f_t * c_mask_tm1 + i_t * act_outer(xc[t] + h_mask_tm1 @ U_c)
        o_t = act_inner(xo[t] + h_mask_tm1 @ U_o)
        h = o_t * act_outer(c)
        outputs.append(h)
    outputs = np.stack(outputs, axis=0)
    return outputs.transpose(1, 0, 2) if return_sequences else outputs[-1]


def seya_bidirectional(X, forward_params, backward_params, cfg, reading):
    """seya.layers.recurrent.Bidirectional.get_output (Keras 0.2 version, used by DanQ_train.py).

    reading 'seya' is what the layer computed: the backward layer's get_input is replaced by one that
    returns X[::-1], and its output is reversed again with Xb[::-1]. X is (nb_samples, time, dim), so
    both reversals act on the first axis, the samples; each sample's sequence is still read forward in
    time (EderSantana/seya issue 32). 'true-reverse' is the other reading, a bidirectional LSTM whose
    backward layer reads each sequence from its end (reversing axis 1), for the import's flag.
    """
    rs = bool(cfg.get("return_sequences"))
    kw = {"activation": cfg.get("activation", "tanh"), "inner_activation": cfg.get("recurrent_activation", cfg.get("inner_activation", "hard_sigmoid"))}
    Xf = keras02_lstm_get_output(X, forward_params, rs, **kw)
    if reading == "seya":
        Xb = keras02_lstm_get_output(X[::-1], backward_params, rs, **kw)
        Xb = Xb[::-1]
    elif reading == "true-reverse":
        Xb = keras02_lstm_get_output(X[:, ::-1], backward_params, rs, **kw)
        if rs:
            Xb = Xb[:, ::-1]
    else:
        raise SystemExit("reference: unknown Bidirectional reading %s" % reading)
    return np.concatenate([Xf, Xb], axis=-1)


def keras0(path, arch_path, x, reading="seya"):
    """Keras 0.2 / Theano semantics, computed the way Theano did."""
    arch = json.load(open(arch_path))
    f = h5py.File(path, "r")
    x = x.astype(np.float64)
    for i, layer in enumerate(arch["layers"]):
        cls, cfg = layer["class_name"], layer.get("config", {})
        g = f["layer_%d" % i]
        p = [np.array(g["param_%d" % j], dtype=np.float64) for j in range(int(g.attrs["nb_params"]))]
        if cls == "Conv1D":
            w, b = p[0][:, :, :, 0], p[1]  # (F, in, k): Theano's conv2d flips the kernel (true convolution)
            k = w.shape[2]
            out_len = x.shape[1] - k + 1
            y = np.zeros((x.shape[0], out_len, w.shape[0]))
            for j in range(k):
                # true convolution: output t sums x[t + k-1-j] * w[j]
                y += x[:, k - 1 - j:k - 1 - j + out_len, :] @ w[:, :, j].T
            x = act(cfg.get("activation"), y + b)
        elif cls == "MaxPooling1D":
            x = pool1d(x, cfg["pool_size"], cfg.get("strides", cfg["pool_size"]), "valid", "max")
        elif cls == "Dropout":
            pass
        elif cls == "Bidirectional":
            # seya's params: forward.params + backward.params, 12 each.
            x = seya_bidirectional(x, p[:12], p[12:24], cfg["layer"]["config"], reading)
        elif cls == "LSTM":
            x = keras02_lstm_get_output(x, p, bool(cfg.get("return_sequences")), cfg.get("activation", "tanh"), cfg.get("recurrent_activation", "hard_sigmoid"))
        elif cls == "Flatten":
            x = x.reshape(x.shape[0], -1)
        elif cls == "Dense":
            x = x @ p[0] + p[1]
        elif cls == "Activation":
            x = act(cfg["activation"], x)
        else:
            raise SystemExit("reference: Keras 0 layer %s not implemented" % cls)
    return x


def main():
    args = sys.argv[1:]
    arch = None
    reading = "seya"
    if "--keras0-arch" in args:
        k = args.index("--keras0-arch")
        arch = args[k + 1]
        del args[k:k + 2]
    if "--bidirectional" in args:
        k = args.index("--bidirectional")
        reading = args[k + 1]
        del args[k:k + 2]
    model, inp, count, length, outp = args
    x = np.fromfile(inp, dtype=np.float32).reshape(int(count), int(length), 4)
    # A functional model's layers come in file order; the fixtures' functional models are chains.
    if arch:
        y = keras0(model, arch, x, reading)
    elif zipfile.is_zipfile(model):
        y = keras3(model, x)
    else:
        y = keras2(model, x)
    y.astype(np.float32).tofile(outp)
    print(json.dumps({"outputs": int(y.shape[1]), "min": float(y.min()), "max": float(y.max())}))


if __name__ == "__main__":
    main()
