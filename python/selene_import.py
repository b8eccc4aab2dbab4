"""PyTorch checkpoints of Selene's `DanQ` and `DeepSEA` classes (state dicts saved as .pth / .pth.tar,
NCL input) -> a tf.keras 2 style HDF5 file (model_config + weights in Keras layouts), which `tfbs import`
then maps like any Keras model. Run by `tfbs import` with an interpreter that has torch and h5py.

What changes on the way (all exact at inference):
  - Conv1d (out, in, k) -> Keras (k, in, out); Linear (out, in) -> (in, out).
  - LSTM weight_ih / weight_hh (4H, in) with gates i, f, g, o -> Keras kernels (in, 4H), gates i, f, c, o
    (the same order); bias_ih + bias_hh -> the one Keras bias.
  - DeepSEA flattens (N, 960, T) channel-major; Keras flattens position-major: the first Linear's rows
    are permuted to match.
  - DeepSEA's forward renormalises every Conv1d / Linear weight to an L2 norm <= 0.9 per output
    (renorm_(2, 0, 0.9)) before computing; that is applied here once.
  - BatchNorm1d (eval: a per-channel affine map) is folded into the next Conv1d or Linear, which it
    feeds through no padding, so the result is exact.
Selene's DanQ.forward hands the LSTM a (T, N, C) tensor with batch_first=True: the LSTM runs across
the windows of a batch, not along the sequence. The converted model runs it along the sequence, as
DanQ is defined (Quang & Xie 2016); a checkpoint trained with Selene's forward learned the other
function, so its converted predictions differ from Selene's. This is reported as a note.

usage: selene_import.py CHECKPOINT OUT.h5 --length BP [--class danq|deepsea]
prints one JSON line: {"class": ..., "inputLength": ..., "outputs": ..., "notes": [...]}
"""
import json
import sys


def fail(message, field=None):
    print(json.dumps({"error": message, "field": field}))
    sys.exit(3)


def main(argv):
    try:
        import numpy as np
        import torch
        import h5py
    except ImportError as e:
        fail("this Python lacks %s (needed to read a PyTorch checkpoint)" % e.name)
    args = list(argv)
    opts = {"--length": None, "--class": None}
    for k in list(opts):
        if k in args:
            i = args.index(k)
            opts[k] = args[i + 1]
            del args[i:i + 2]
    if len(args) != 2:
        fail("usage: selene_import.py CHECKPOINT OUT.h5 --length BP [--class danq|deepsea]")
    checkpoint, out = args
    try:
        obj = torch.load(checkpoint, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unpickling problem is the user's file
        fail("not a readable PyTorch checkpoint (%s)" % str(e).split("\n")[0][:200])
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]  # Selene's .pth.tar: {"state_dict": ..., "epoch": ..., ...}
    if not isinstance(obj, dict) or not all(hasattr(v, "shape") for v in obj.values()):
        fail("holds no state dict (a dict of tensors, or {'state_dict': ...})")
    sd = {}
    for k, v in obj.items():
        # nn.DataParallel and Selene's NonStrandSpecific wrapper prefix the keys.
        for prefix in ("module.", "model."):
            if k.startswith(prefix):
                k = k[len(prefix):]
        sd[k] = v.detach().to(torch.float64).numpy()
    cls = opts["--class"] or ("danq" if any(k.startswith("bdlstm.") for k in sd) else "deepsea" if any(k.startswith("conv_net.") for k in sd) else None)
    if cls not in ("danq", "deepsea"):
        fail("the state dict is neither Selene's DanQ (nnet.*, bdlstm.*, classifier.*) nor DeepSEA (conv_net.*, classifier.*); keys: %s" % ", ".join(sorted(sd)[:8]))
    length = int(opts["--length"] or 1000)
    notes = []
    layers = [{"class_name": "InputLayer", "config": {"name": "input", "batch_input_shape": [None, length, 4]}}]
    weights = {}

    def need(key):
        if key not in sd:
            fail("missing %s for Selene's %s" % (key, cls), key)
        return sd[key]

    def add(cls_name, name, ws=(), **cfg):
        layers.append({"class_name": cls_name, "config": dict(cfg, name=name)})
        if ws:
            weights[name] = [("%s/%s:0" % (name, wn), np.asarray(a, dtype=np.float32)) for wn, a in ws]

    if cls == "danq":
        w, b = need("nnet.0.weight"), need("nnet.0.bias")
        add("Conv1D", "conv", [("kernel", w.transpose(2, 1, 0)), ("bias", b)], filters=w.shape[0], kernel_size=[w.shape[2]], padding="valid", activation="relu")
        add("MaxPooling1D", "pool", pool_size=[13], strides=[13], padding="valid")
        steps = (length - w.shape[2] + 1) // 13
        if need("classifier.1.weight").shape[1] != steps * 2 * need("bdlstm.0.weight_hh_l0").shape[1]:
            fail("classifier.1.weight has %d inputs; a %d bp input gives %d x %d (wrong --length?)" % (sd["classifier.1.weight"].shape[1], length, steps, 2 * sd["bdlstm.0.weight_hh_l0"].shape[1]), "classifier.1.weight")
        H = need("bdlstm.0.weight_hh_l0").shape[1]
        lstm = []
        for sfx, d in (("", "forward_lstm"), ("_reverse", "backward_lstm")):
            lstm += [("%s/kernel" % d, need("bdlstm.0.weight_ih_l0" + sfx).T), ("%s/recurrent_kernel" % d, need("bdlstm.0.weight_hh_l0" + sfx).T),
                     ("%s/bias" % d, need("bdlstm.0.bias_ih_l0" + sfx) + need("bdlstm.0.bias_hh_l0" + sfx))]
        add("Bidirectional", "bdlstm", lstm, merge_mode="concat", layer={"class_name": "LSTM", "config": {"name": "lstm", "units": int(H), "return_sequences": True, "activation": "tanh", "recurrent_activation": "sigmoid"}})
        add("Flatten", "flatten")
        w1, b1 = need("classifier.1.weight"), need("classifier.1.bias")
        add("Dense", "dense", [("kernel", w1.T), ("bias", b1)], units=w1.shape[0], activation="relu")
        w2, b2 = need("classifier.3.weight"), need("classifier.3.bias")
        add("Dense", "dense_1", [("kernel", w2.T), ("bias", b2)], units=w2.shape[0], activation="sigmoid")
        notes.append("Selene's DanQ.forward runs its LSTM across the windows of a batch (a (T, N, C) tensor with batch_first=True); "
                     "the imported model runs it along the sequence, as DanQ is defined, so its predictions differ from Selene's for a checkpoint trained that way")
    else:
        def renorm(w):
            # torch.renorm(w, 2, 0, 0.9): each output's L2 norm capped at 0.9, as DeepSEA.forward does.
            flat = w.reshape(w.shape[0], -1)
            norms = np.sqrt((flat ** 2).sum(axis=1))
            scale = np.where(norms > 0.9, 0.9 / (norms + 1e-7), 1.0)
            return w * scale.reshape((-1,) + (1,) * (w.ndim - 1))

        def bn(prefix):
            if prefix + ".running_mean" not in sd:
                return None
            eps = 1e-5
            a = need(prefix + ".weight") / np.sqrt(need(prefix + ".running_var") + eps)
            return a, need(prefix + ".bias") - need(prefix + ".running_mean") * a

        convs = sorted({int(k.split(".")[1]) for k in sd if k.startswith("conv_net.") and sd[k].ndim == 3})
        if len(convs) != 3:
            fail("expected three Conv1d layers in conv_net, found %d" % len(convs))
        pending = None  # a BatchNorm's (scale, shift) waiting for the next layer
        n_mods = max(int(k.split(".")[1]) for k in sd if k.startswith("conv_net.")) + 1
        for idx in range(n_mods + 4):
            key = "conv_net.%d" % idx
            if key + ".weight" in sd and sd[key + ".weight"].ndim == 3:
                w, b = renorm(need(key + ".weight")), need(key + ".bias").copy()
                if pending is not None:
                    a, s = pending
                    b = b + (w * s[None, :, None]).sum(axis=(1, 2))
                    w = w * a[None, :, None]
                    pending = None
                i = convs.index(idx)
                add("Conv1D", "conv%d" % (i + 1), [("kernel", w.transpose(2, 1, 0)), ("bias", b)], filters=w.shape[0], kernel_size=[w.shape[2]], padding="valid", activation="relu")
                if i < 2:
                    add("MaxPooling1D", "pool%d" % (i + 1), pool_size=[4], strides=[4], padding="valid")
            elif key + ".running_mean" in sd:
                pending = bn(key)
        steps = length
        for i, idx in enumerate(convs):
            steps = steps - (sd["conv_net.%d.weight" % idx].shape[2] - 1)
            if i < 2:
                steps = steps // 4
        w1 = renorm(need("classifier.0.weight"))
        b1 = need("classifier.0.bias").copy()
        channels = sd["conv_net.%d.weight" % convs[-1]].shape[0]
        if w1.shape[1] != channels * steps:
            fail("classifier.0.weight has %d inputs; a %d bp input gives %d x %d = %d (wrong --length?)" % (w1.shape[1], length, channels, steps, channels * steps), "classifier.0.weight")
        w1 = w1.reshape(w1.shape[0], channels, steps)  # torch flattens channel-major
        if pending is not None:
            a, s = pending
            b1 = b1 + (w1 * s[None, :, None]).sum(axis=(1, 2))
            w1 = w1 * a[None, :, None]
            pending = None
        w1 = w1.transpose(0, 2, 1).reshape(w1.shape[0], -1)  # Keras flattens position-major
        add("Flatten", "flatten")
        add("Dense", "dense", [("kernel", w1.T), ("bias", b1)], units=w1.shape[0], activation="relu")
        last = max(int(k.split(".")[1]) for k in sd if k.startswith("classifier.") and sd[k].ndim == 2)
        bnc = bn("classifier.2")
        w2, b2 = renorm(need("classifier.%d.weight" % last)), need("classifier.%d.bias" % last).copy()
        if bnc is not None:
            a, s = bnc
            b2 = b2 + w2 @ s
            w2 = w2 * a[None, :]
        add("Dense", "dense_1", [("kernel", w2.T), ("bias", b2)], units=w2.shape[0], activation="sigmoid")
        notes.append("DeepSEA's weight renormalisation (L2 <= 0.9 per output) and BatchNorm layers were folded into the weights")
    config = {"class_name": "Sequential", "config": {"name": "selene_" + cls, "layers": layers}}
    with h5py.File(out, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2-from-selene"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        for l in layers[1:]:
            name = l["config"]["name"]
            lg = g.create_group(name)
            ws = weights.get(name, [])
            lg.attrs["weight_names"] = np.array([w[0].encode() for w in ws])
            for wname, arr in ws:
                lg.create_dataset(wname, data=arr)
    outputs = layers[-1]["config"]["units"]
    print(json.dumps({"class": cls, "inputLength": length, "outputs": int(outputs), "notes": notes}))


if __name__ == "__main__":
    main(sys.argv[1:])
