"""The DanQ-family network (Conv1D -> MaxPool -> BiLSTM -> dense head): the architecture presets, their
overrides, and the module, trained and exported."""
import json

import tfbs_first_layer as first_layer
import tfbs_recipes as recipes
from tfbs_process import TrainError

# Architecture presets. Every size that depends on the input length (the LSTM's sequence length, the
# flatten width) is derived from it, so any preset runs on any window length that is long enough.
PRESETS = {
    # Quang & Xie 2016 (DanQ): 46.7 M parameters at L=1000 with 690 outputs.
    "danq": {
        "conv_filters": 320, "conv_kernel": 26, "pool": 13, "conv_dropout": 0.2,
        "lstm_hidden": 320, "lstm_dropout": 0.5, "dense_units": 925,
    },
    # The shipped model: DanQ's convolution, a BiLSTM of 64 per direction and a position-keeping
    # flatten head (about 2.9 M parameters at L=1000). On 10k training windows it matched DanQ and
    # trained 3x faster; global pooling heads lost 0.05-0.08 ROC AUC (notes/training.md).
    "compact": {
        "conv_filters": 320, "conv_kernel": 26, "pool": 13, "conv_dropout": 0.2,
        "lstm_hidden": 64, "lstm_dropout": 0.5, "dense_units": 256,
    },
    # For short windows (e.g. 50 bp motif sets) and tests: seconds per epoch on a CPU.
    "tiny": {
        "conv_filters": 32, "conv_kernel": 11, "pool": 4, "conv_dropout": 0.1,
        "lstm_hidden": 16, "lstm_dropout": 0.2, "dense_units": 32,
    },
}

ARCH_KEYS = {
    "conv_filters": int, "conv_kernel": int, "pool": int, "conv_dropout": float,
    "lstm_hidden": int, "lstm_dropout": float, "dense_units": int,
}


def build_model(torch, config, input_length, output_count, rc_shared=False, motif_weight=None, motif_trainable=False):
    """The network. rc_shared / motif_weight / motif_trainable change only how the first convolution's filters are
    parametrised (python/tfbs_recipes.py first_conv); without them it is a plain nn.Conv1d, and the
    export always is (plain_model)."""
    nn = torch.nn

    class DanQFamily(nn.Module):
        """(B, L, 4) one-hot in NLC layout -> (B, outputs) logits. The transpose to the NCL layout that
        Conv1d wants happens inside, so the exported graph takes what the scorer feeds."""

        def __init__(self):
            super().__init__()
            c = config
            conv_len = input_length - c["conv_kernel"] + 1
            steps = conv_len // c["pool"]
            if conv_len < 1 or steps < 1:
                raise TrainError("usage", "input length %d bp is too short for conv_kernel %d and pool %d "
                                 "(need at least %d bp); choose a smaller kernel or pool (--arch conv_kernel=...,pool=...)"
                                 % (input_length, c["conv_kernel"], c["pool"], c["conv_kernel"] + c["pool"] - 1),
                                 field="architecture")
            self.steps = steps
            filters = recipes.conv_filter_count(c, motif_weight)
            self.conv = recipes.first_conv(torch, 4, c["conv_filters"], c["conv_kernel"], rc_shared, motif_weight,
                                          motif_trainable)
            self.pool = nn.MaxPool1d(c["pool"], c["pool"])
            self.conv_dropout = nn.Dropout(c["conv_dropout"])
            if c["lstm_hidden"] > 0:
                self.lstm = nn.LSTM(filters, c["lstm_hidden"], batch_first=True, bidirectional=True)
                width = 2 * c["lstm_hidden"]
            else:
                self.lstm = None
                width = filters
            self.lstm_dropout = nn.Dropout(c["lstm_dropout"])
            self.dense = nn.Linear(steps * width, c["dense_units"])
            self.out = nn.Linear(c["dense_units"], output_count)
            # Training on the CPU turns this on (python/tfbs_first_layer.py: the same function, ~1.9x
            # faster steps); the export never does, so its graph stays Conv1d -> ReLU -> MaxPool1d.
            self.fast_first_layer = False
            self.pool_size = c["pool"]

        def forward(self, x):
            if self.fast_first_layer:
                w, b = recipes.first_layer_weights(self.conv)
                h = self.conv_dropout(first_layer.conv_relu_pool(torch, x, w, b, self.pool_size))  # (B, steps, filters)
            else:
                h = x.transpose(1, 2)  # (B, 4, L)
                h = self.pool(torch.relu(self.conv(h)))
                h = self.conv_dropout(h)
                h = h.transpose(1, 2)  # (B, steps, filters)
            if self.lstm is not None:
                h, _ = self.lstm(h)
            h = self.lstm_dropout(h)
            h = h.flatten(1)  # keeps position: the label belongs to the central bin
            h = torch.relu(self.dense(h))
            return self.out(h)

    return DanQFamily()


def plain_model(torch, model, config, input_length, output_count, motif_weight):
    """The exported network: a plain DanQFamily (one nn.Conv1d) holding `model`'s current weights,
    with a recipe's first layer materialised (RC pairs and motif filters, frozen or trained, written out)."""
    export_config = dict(config, conv_filters=recipes.conv_filter_count(config, motif_weight))
    plain = build_model(torch, export_config, input_length, output_count)
    plain.load_state_dict({k: v.to("cpu") for k, v in recipes.plain_state_dict(model).items()})
    return plain.eval()


def resolve_config(preset, overrides):
    if preset not in PRESETS:
        raise TrainError("usage", "unknown preset %r; choose one of %s" % (preset, ", ".join(sorted(PRESETS))),
                         field="preset")
    config = dict(PRESETS[preset])
    for key, value in (overrides or {}).items():
        if key not in ARCH_KEYS:
            raise TrainError("usage", "unknown architecture setting %r; known: %s" % (key, ", ".join(sorted(ARCH_KEYS))),
                             field="arch")
        try:
            typed = ARCH_KEYS[key](value)
        except (TypeError, ValueError):
            raise TrainError("usage", "architecture setting %s must be a number, found %r" % (key, value), field="arch")
        if ARCH_KEYS[key] is int and (typed != float(value) or typed < (0 if key == "lstm_hidden" else 1)):
            raise TrainError("usage", "architecture setting %s must be a %s integer, found %r"
                             % (key, "non-negative" if key == "lstm_hidden" else "positive", value), field="arch")
        if ARCH_KEYS[key] is float and not (0.0 <= typed < 1.0):
            raise TrainError("usage", "architecture setting %s is a dropout rate in [0, 1), found %r" % (key, value),
                             field="arch")
        config[key] = typed
    return config


def count_parameters(model):
    return int(sum(p.numel() for p in model.parameters()))


def parse_arch(text):
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError as e:
        raise TrainError("usage", "--arch-json is not valid JSON (%s)" % e, field="arch")
    if not isinstance(value, dict):
        raise TrainError("usage", "--arch-json must be a JSON object", field="arch")
    return value
