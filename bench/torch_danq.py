"""PyTorch forward pass of a DanQ-family network with the weights the Node benchmark wrote.

Usage: OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/torch_danq.py WORKDIR BATCHES MIN_WINDOWS MIN_SECONDS

WORKDIR holds weights.json (architecture + tensor shapes), one NAME.f32 file per tensor (raw float32,
ONNX layout: LSTM gates i,o,f,c; dense weights (in, out)), inputs.f32 (windows, L, 4) and receives
torch_outputs.f32 (the first windows' probabilities). Prints one JSON line: windows/s per batch size
and peak RSS.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch
from torch import nn


class DanQ(nn.Module):
    def __init__(self, arch):
        super().__init__()
        self.conv = nn.Conv1d(4, arch["convFilters"], arch["convWidth"])
        self.pool = nn.MaxPool1d(arch["poolSize"], arch["poolSize"])
        self.lstm = nn.LSTM(arch["convFilters"], arch["lstmHidden"], batch_first=True, bidirectional=True)
        self.t = (arch["inputLength"] - arch["convWidth"] + 1) // arch["poolSize"]
        self.dense1 = nn.Linear(self.t * 2 * arch["lstmHidden"], arch["denseHidden"])
        self.dense2 = nn.Linear(arch["denseHidden"], arch["outputs"])

    def forward(self, x):  # x: (N, L, 4)
        x = self.pool(torch.relu(self.conv(x.transpose(1, 2))))  # (N, F, T)
        y, _ = self.lstm(x.transpose(1, 2))  # (N, T, 2H), forward then backward
        y = torch.relu(self.dense1(y.reshape(y.shape[0], -1)))
        return torch.sigmoid(self.dense2(y))


def load(workdir):
    with open(os.path.join(workdir, "weights.json")) as f:
        spec = json.load(f)
    tensors = {}
    for name, shape in spec["shapes"].items():
        data = np.fromfile(os.path.join(workdir, name + ".f32"), dtype="<f4")
        tensors[name] = torch.from_numpy(data.reshape(shape))
    return spec["arch"], tensors


def onnx_to_torch_gates(w, hidden):
    # ONNX packs gates i, o, f, c; PyTorch i, f, g(c), o.
    i, o, f, c = (w[k * hidden:(k + 1) * hidden] for k in range(4))
    return torch.cat([i, f, c, o], 0).contiguous()


def build(arch, t):
    model = DanQ(arch)
    h = arch["lstmHidden"]
    with torch.no_grad():
        model.conv.weight.copy_(t["convW"])
        model.conv.bias.copy_(t["convB"])
        for d, suffix in ((0, ""), (1, "_reverse")):
            getattr(model.lstm, "weight_ih_l0" + suffix).copy_(onnx_to_torch_gates(t["lstmW"][d], h))
            getattr(model.lstm, "weight_hh_l0" + suffix).copy_(onnx_to_torch_gates(t["lstmR"][d], h))
            getattr(model.lstm, "bias_ih_l0" + suffix).copy_(onnx_to_torch_gates(t["lstmB"][d][:4 * h], h))
            getattr(model.lstm, "bias_hh_l0" + suffix).copy_(onnx_to_torch_gates(t["lstmB"][d][4 * h:], h))
        model.dense1.weight.copy_(t["dense1W"].t())
        model.dense1.bias.copy_(t["dense1B"])
        model.dense2.weight.copy_(t["dense2W"].t())
        model.dense2.bias.copy_(t["dense2B"])
    return model.eval()


def main():
    workdir, batches, min_windows, min_seconds = sys.argv[1], [int(b) for b in sys.argv[2].split(",")], int(sys.argv[3]), float(sys.argv[4])
    torch.set_num_threads(1)
    started = time.perf_counter()
    arch, tensors = load(workdir)
    model = build(arch, tensors)
    inputs = torch.from_numpy(np.fromfile(os.path.join(workdir, "inputs.f32"), dtype="<f4").reshape(-1, arch["inputLength"], 4))
    load_s = time.perf_counter() - started
    rates, best = {}, {}
    with torch.inference_mode():
        reference = model(inputs[:32]).numpy()
        reference.astype("<f4").tofile(os.path.join(workdir, "torch_outputs.f32"))
        for batch in batches:
            x = inputs[:batch] if batch <= inputs.shape[0] else inputs.repeat((batch + inputs.shape[0] - 1) // inputs.shape[0], 1, 1)[:batch]
            model(x)  # warm-up: first-call allocations
            times, t0 = [], time.perf_counter()
            while len(times) * batch < min_windows or time.perf_counter() - t0 < min_seconds or len(times) < 3:
                t = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t)
            rates[str(batch)] = batch / float(np.median(times))
            best[str(batch)] = batch / min(times)
    print(json.dumps({
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "loadSeconds": load_s,
        "windowsPerSecond": rates,
        "bestWindowsPerSecond": best,
        "maxRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
