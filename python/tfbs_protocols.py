"""Training protocols (the defaults of every setting not given), the optimisers, and the checks of the
hyperparameters a run records."""
import math

from tfbs_process import TrainError

# Training recipes: the defaults of every setting the user does not give. "danq" is the DanQ paper's
# own protocol (Quang & Xie 2016, DanQ_train.py): its architecture, RMSprop (Keras defaults: lr 0.001,
# rho 0.9, epsilon 1e-6), batch 100, at most 60 epochs, early stopping after 5 without a lower
# validation loss, the epoch with the lowest validation loss kept.
PROTOCOLS = {
    "default": {"preset": "compact", "epochs": 10, "batch": 100, "lr": 1e-3, "weight_decay": 0.0, "patience": 3,
                "optimizer": "adam"},
    "danq": {"preset": "danq", "epochs": 60, "batch": 100, "lr": 1e-3, "weight_decay": 0.0, "patience": 5,
             "optimizer": "rmsprop"},
}

OPTIMIZERS = ("adam", "adamw", "rmsprop")

# --monitor: what early stopping and --select best watch, in words for the log.
MONITOR_WORDS = {"loss": "lowest validation loss", "roc-auc": "highest validation mean ROC AUC"}


def make_optimizer(torch, model, hyper):
    name = hyper.get("optimizer", "adam")
    if name == "rmsprop":
        # Keras' RMSprop: rho 0.9 (PyTorch calls it alpha, default 0.99), epsilon added outside the root.
        return torch.optim.RMSprop(model.parameters(), lr=hyper["lr"], alpha=0.9, eps=1e-6,
                                   weight_decay=hyper["weight_decay"])
    if name == "adamw":
        # Decoupled weight decay (Loshchilov & Hutter): w -= lr * wd * w beside the Adam step, instead
        # of Adam's L2 term, which the adaptive step sizes weaken.
        return torch.optim.AdamW(model.parameters(), lr=hyper["lr"], weight_decay=hyper["weight_decay"])
    return torch.optim.Adam(model.parameters(), lr=hyper["lr"], weight_decay=hyper["weight_decay"])


def optimizer_description(hyper):
    name = hyper.get("optimizer", "adam")
    base = ({"name": "RMSprop", "rho": 0.9, "epsilon": 1e-6} if name == "rmsprop"
            else {"name": "AdamW", "decoupledWeightDecay": True} if name == "adamw" else {"name": "Adam"})
    return dict(base, lr=hyper["lr"], weightDecay=hyper["weight_decay"])


def validate_hyper(h):
    checks = [
        ("epochs", isinstance(h["epochs"], int) and h["epochs"] >= 1, "a positive integer"),
        ("batch", isinstance(h["batch"], int) and h["batch"] >= 1, "a positive integer"),
        ("lr", h["lr"] > 0 and math.isfinite(h["lr"]), "a positive number"),
        ("weight_decay", h["weight_decay"] >= 0 and math.isfinite(h["weight_decay"]), "a number >= 0"),
        ("patience", isinstance(h["patience"], int) and h["patience"] >= 1, "a positive integer"),
        ("seed", isinstance(h["seed"], int) and h["seed"] >= 0, "an integer >= 0"),
    ]
    for name, ok, what in checks:
        if not ok:
            raise TrainError("usage", "--%s must be %s, found %r" % (name.replace("_", "-"), what, h[name]), field=name)
