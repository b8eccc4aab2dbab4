"""Selene-shaped PyTorch checkpoints (the module names and layer order of Selene's models/danQ.py and
models/deepsea.py, at small sizes) with seeded weights and BatchNorm statistics, and their PyTorch
forward pass as the reference for `tfbs import`.

usage: selene_fixtures.py make OUTDIR
       selene_fixtures.py reference CHECKPOINT INPUT.f32 COUNT LENGTH OUTPUT.f32
  INPUT.f32: COUNT x LENGTH x 4 float32 one-hot, A,C,G,T (Selene's order); fed to the model as NCL.

The DanQ reference runs the LSTM along the sequence (DanQ as defined); Selene's own forward hands it
a (T, N, C) tensor with batch_first=True, which runs it across the batch (see selene_import.py).
"""
import sys

import numpy as np
import torch
import torch.nn as nn

torch.set_num_threads(1)


class SmallDanQ(nn.Module):
    def __init__(self, length, filters=12, hidden=6, dense=16, outputs=919):
        super().__init__()
        self.nnet = nn.Sequential(nn.Conv1d(4, filters, kernel_size=26), nn.ReLU(inplace=True), nn.MaxPool1d(kernel_size=13, stride=13), nn.Dropout(0.2))
        self.bdlstm = nn.Sequential(nn.LSTM(filters, hidden, num_layers=1, batch_first=True, bidirectional=True))
        self.steps = (length - 25) // 13
        self.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(self.steps * 2 * hidden, dense), nn.ReLU(inplace=True), nn.Linear(dense, outputs), nn.Sigmoid())

    def forward(self, x):
        out = self.nnet(x)  # (N, C, T)
        out, _ = self.bdlstm(out.transpose(1, 2))  # along the sequence: (N, T, C)
        return self.classifier(out.contiguous().view(out.size(0), -1))


class SmallDeepSEA(nn.Module):
    def __init__(self, length, c=(8, 12, 16), outputs=919):
        super().__init__()
        k, p = 8, 4
        self.conv_net = nn.Sequential(
            nn.Conv1d(4, c[0], kernel_size=k), nn.ReLU(inplace=True), nn.MaxPool1d(kernel_size=p, stride=p), nn.BatchNorm1d(c[0]),
            nn.Conv1d(c[0], c[1], kernel_size=k), nn.ReLU(inplace=True), nn.MaxPool1d(kernel_size=p, stride=p), nn.BatchNorm1d(c[1]), nn.Dropout(p=0.2),
            nn.Conv1d(c[1], c[2], kernel_size=k), nn.ReLU(inplace=True), nn.BatchNorm1d(c[2]), nn.Dropout(p=0.5))
        self.n_channels = int(np.floor((np.floor((length - 7) / 4.0) - 7) / 4.0) - 7)
        self.c = c
        self.classifier = nn.Sequential(nn.Linear(c[2] * self.n_channels, outputs), nn.ReLU(inplace=True), nn.BatchNorm1d(outputs), nn.Linear(outputs, outputs), nn.Sigmoid())

    def forward(self, x):
        # As Selene's DeepSEA.forward: weights renormalised to L2 <= 0.9 per output before use.
        for layer in list(self.conv_net.children()) + list(self.classifier.children()):
            if isinstance(layer, (nn.Conv1d, nn.Linear)):
                layer.weight.data.renorm_(2, 0, 0.9)
        out = self.conv_net(x)
        return self.classifier(out.view(out.size(0), self.c[2] * self.n_channels))


def randomise(model, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_((torch.rand(p.shape, generator=g) * 2 - 1) * (2.5 / max(1, p.shape[-1]) ** 0.5 if p.dim() > 1 else 0.3))
        for m in model.modules():
            if isinstance(m, nn.BatchNorm1d):
                m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=g) * 0.4 - 0.2)
                m.running_var.copy_(torch.rand(m.running_var.shape, generator=g) * 0.5 + 0.5)
    return model.eval()


def build(sd, length):
    if any(k.startswith("bdlstm.") for k in sd):
        m = SmallDanQ(length, filters=sd["nnet.0.weight"].shape[0], hidden=sd["bdlstm.0.weight_hh_l0"].shape[1], dense=sd["classifier.1.weight"].shape[0], outputs=sd["classifier.3.weight"].shape[0])
    else:
        m = SmallDeepSEA(length, c=(sd["conv_net.0.weight"].shape[0], sd["conv_net.4.weight"].shape[0], sd["conv_net.9.weight"].shape[0]), outputs=sd["classifier.3.weight"].shape[0])
    m.load_state_dict(sd)
    return m.eval()


def main(argv):
    if argv[0] == "make":
        out = argv[1]
        import os
        os.makedirs(out, exist_ok=True)
        torch.save(randomise(SmallDanQ(1000), 5).state_dict(), os.path.join(out, "selene_danq.pth"))
        # Selene's checkpoints: {"state_dict": ..., ...}; DataParallel-style "module." prefixes.
        sd = {"module." + k: v for k, v in randomise(SmallDeepSEA(1000), 6).state_dict().items()}
        torch.save({"state_dict": sd, "epoch": 3, "arch": "DeepSEA"}, os.path.join(out, "selene_deepsea.pth.tar"))
        print("ok")
        return
    _, ckpt, inp, count, length, outp = argv
    obj = torch.load(ckpt, map_location="cpu")
    sd = obj["state_dict"] if "state_dict" in obj else obj
    sd = {k[len("module."):] if k.startswith("module.") else k: v for k, v in sd.items()}
    model = build(sd, int(length)).double()
    x = torch.from_numpy(np.fromfile(inp, dtype=np.float32).reshape(int(count), int(length), 4)).transpose(1, 2).double()
    with torch.no_grad():
        y = model(x).numpy()
    y.astype(np.float32).tofile(outp)


if __name__ == "__main__":
    main(sys.argv[1:])
