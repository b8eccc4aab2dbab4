"""Unit tests of python/tfbs_recipes.py (issue 14's training recipes), run by test/unit/trainRecipes.test.ts
with the interpreter the trainer would use: python -m unittest discover -s test/python -p 'test_*.py'.
numpy and torch only; every test takes milliseconds."""
import os
import sys
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import tfbs_recipes as recipes  # noqa: E402
from tfbs_model import build_model, plain_model  # noqa: E402
from tfbs_protocols import make_optimizer  # noqa: E402

JASPAR = os.path.join(HERE, "..", "..", "data", "jaspar", "JASPAR2024_CORE_vertebrates_non-redundant_pfms.jaspar")


def jaspar_text():
    with open(JASPAR, encoding="utf-8") as f:
        return f.read()


def one_hot(codes):
    x = np.zeros((len(codes), 4), dtype=np.uint8)
    known = codes >= 0
    x[np.nonzero(known)[0], codes[known]] = 1
    return x


def tiled(genome, length, stride, rows):
    """Rows of a sequence cut every `stride` bp, as DeepSEA's consecutive training windows are."""
    return np.stack([one_hot(genome[i * stride:i * stride + length]) for i in range(rows)])


class ShiftAugmentation(unittest.TestCase):
    def setUp(self):
        rng = np.random.default_rng(3)
        self.length, self.stride = 40, 10
        self.genome = rng.integers(0, 4, size=self.stride * 12 + self.length)
        self.x = tiled(self.genome, self.length, self.stride, 12)

    def window(self, start):
        return one_hot(self.genome[start:start + self.length]).astype(np.float32)

    def test_a_shift_cuts_the_bases_from_the_neighbouring_window(self):
        out, filled, padded = recipes.shift_windows(np, self.x, [3, 5, 7], [4, -6, 0], self.stride)
        np.testing.assert_array_equal(out[0], self.window(3 * self.stride + 4))   # the next row supplies the tail
        np.testing.assert_array_equal(out[1], self.window(5 * self.stride - 6))   # the previous row supplies the head
        np.testing.assert_array_equal(out[2], self.x[7])
        self.assertEqual((filled, padded), (2, 0))

    def test_without_a_neighbour_the_bases_shifted_in_are_n(self):
        last, first = len(self.x) - 1, 0
        out, filled, padded = recipes.shift_windows(np, self.x, [first, last], [-3, 5], self.stride)
        np.testing.assert_array_equal(out[0, :3], 0)
        np.testing.assert_array_equal(out[0, 3:], self.x[first, :-3])
        np.testing.assert_array_equal(out[1, -5:], 0)
        np.testing.assert_array_equal(out[1, :-5], self.x[last, 5:])
        self.assertEqual((filled, padded), (0, 2))

    def test_a_row_that_is_not_the_next_window_is_not_used(self):
        x = self.x.copy()
        x[6] = x[6][::-1]  # row 6 no longer continues row 5
        out, filled, padded = recipes.shift_windows(np, x, [5], [2], self.stride)
        np.testing.assert_array_equal(out[0, -2:], 0)
        self.assertEqual((filled, padded), (0, 1))
        # An all-N overlap proves no adjacency either.
        n = np.zeros_like(self.x[:3])
        out, filled, padded = recipes.shift_windows(np, n, [1], [2], self.stride)
        self.assertEqual((filled, padded), (0, 1))

    def test_shifts_are_uniform_in_the_range_and_depend_on_the_generator_only(self):
        a = recipes.draw_shifts(np, np.random.default_rng([1, 2]), 5000, 20)
        b = recipes.draw_shifts(np, np.random.default_rng([1, 2]), 5000, 20)
        np.testing.assert_array_equal(a, b)
        self.assertEqual((a.min(), a.max()), (-20, 20))
        self.assertEqual(len(np.unique(a)), 41)


class InputDropout(unittest.TestCase):
    def test_positions_become_n_and_nothing_else_changes(self):
        x = tiled(np.random.default_rng(1).integers(0, 4, size=2000), 1000, 100, 4).astype(np.float32)
        out = recipes.input_dropout(np, x.copy(), 0.2, np.random.default_rng(5))
        dropped = out.sum(axis=2) == 0
        self.assertTrue(0.17 < dropped.mean() < 0.23, dropped.mean())
        np.testing.assert_array_equal(out[~dropped], x[~dropped])
        again = recipes.input_dropout(np, x.copy(), 0.2, np.random.default_rng(5))
        np.testing.assert_array_equal(out, again)
        np.testing.assert_array_equal(recipes.input_dropout(np, x.copy(), 0.0, np.random.default_rng(5)), x)


class PositiveWeights(unittest.TestCase):
    def test_negatives_over_positives_clipped_to_one_and_the_cap(self):
        y = np.zeros((100, 4), dtype=np.uint8)
        y[:10, 0] = 1     # 10 % positives: 90 / 10 = 9
        y[:2, 1] = 1      # 2 %: 49, capped at 20
        y[:70, 2] = 1     # 70 %: 30 / 70 < 1, clipped to 1
        weights, info = recipes.positive_weights(np, y, 20.0, chunk=7)
        np.testing.assert_allclose(weights, [9.0, 20.0, 1.0, 1.0])
        self.assertEqual((info["capped"], info["noPositives"]), (1, 1))

    def test_the_validation_loss_is_the_weighted_training_loss(self):
        rng = np.random.default_rng(2)
        logits = rng.normal(size=(50, 3))
        y = (rng.random((50, 3)) < 0.3).astype(np.float32)
        w = np.array([1.0, 4.0, 10.0], dtype=np.float32)
        expected = torch.nn.BCEWithLogitsLoss(pos_weight=torch.from_numpy(w))(torch.from_numpy(logits), torch.from_numpy(y)).item()
        probs = 1 / (1 + np.exp(-logits))
        self.assertAlmostEqual(recipes.weighted_bce(np, y, probs, w), expected, places=6)


class Averaging(unittest.TestCase):
    def model(self):
        torch.manual_seed(0)
        return torch.nn.Linear(3, 2)

    def test_ema_is_the_running_average_with_warm_up(self):
        m = self.model()
        avg = recipes.WeightAverager(torch, m, "ema", decay=0.9)
        expected = m.weight.detach().clone()
        for n in range(30):
            with torch.no_grad():
                m.weight.add_(torch.randn_like(m.weight))
            avg.after_step(m)
            d = min(0.9, (1 + n) / (10 + n))
            expected = d * expected + (1 - d) * m.weight.detach()
        got = avg.averaged(m)["weight"]
        torch.testing.assert_close(got, expected)
        self.assertFalse(torch.allclose(got, m.weight))
        # The state survives a checkpoint: a restored averager continues identically.
        restored = recipes.WeightAverager(torch, self.model(), "ema", decay=0.9)
        restored.load_state_dict(avg.state_dict(), "cpu")
        for a in (avg, restored):
            a.after_step(m)
        torch.testing.assert_close(restored.averaged(m)["weight"], avg.averaged(m)["weight"])

    def test_swa_is_the_mean_of_the_last_k_epochs_once_each(self):
        m = self.model()
        avg = recipes.WeightAverager(torch, m, "swa", epochs=3)
        seen = []
        for epoch in range(1, 6):
            with torch.no_grad():
                m.weight.fill_(float(epoch))
            avg.after_epoch(m, epoch)
            avg.after_epoch(m, epoch)  # a resumed run passes the same epoch again: counted once
            seen.append(float(epoch))
            torch.testing.assert_close(avg.averaged(m)["weight"], torch.full_like(m.weight, float(np.mean(seen[-3:]))))
        restored = recipes.WeightAverager(torch, m, "swa", epochs=3)
        restored.load_state_dict(avg.state_dict(), "cpu")
        torch.testing.assert_close(restored.averaged(m)["weight"], torch.full_like(m.weight, 4.0))


class FirstLayer(unittest.TestCase):
    def test_rc_shared_filters_come_in_pairs_and_the_layer_is_rc_equivariant(self):
        torch.manual_seed(1)
        conv = recipes.first_conv(torch, 4, 8, 5, rc_shared=True)
        self.assertEqual(sum(p.numel() for p in conv.parameters()), 4 * (4 * 5 + 1))
        w, b = conv.materialise()
        self.assertEqual(tuple(w.shape), (8, 4, 5))
        torch.testing.assert_close(w[4:], torch.flip(w[:4], dims=(1, 2)))
        torch.testing.assert_close(b[4:], b[:4])
        x = torch.from_numpy(tiled(np.random.default_rng(0).integers(0, 4, size=60), 30, 10, 2).astype(np.float32)).transpose(1, 2)
        rc = torch.flip(x, dims=(1, 2))  # A,G,C,T: the reverse complement flips both axes
        with torch.no_grad():
            forward, reverse = conv(x), conv(rc)
        # Filter i on the reverse strand is filter i + 4 on the forward strand, read backwards.
        torch.testing.assert_close(reverse, torch.flip(forward, dims=(2,))[:, [4, 5, 6, 7, 0, 1, 2, 3]])

    def test_the_plain_layer_is_untouched_without_a_recipe(self):
        self.assertIsInstance(recipes.first_conv(torch, 4, 8, 5), torch.nn.Conv1d)

    def test_motif_filters_are_frozen_log_odds(self):
        bank, info = recipes.motif_bank(np, JASPAR, "MA0139.2", ["GM12878|CTCF|None"], 19)
        self.assertEqual(bank.shape, (2, 4, 19))
        m = [mo for mo in recipes.parse_jaspar(jaspar_text()) if mo[0] == "MA0139.2"][0]
        counts = np.array(m[2])  # A, G, C, T columns
        p = (counts + 0.025) / (counts.sum(axis=1, keepdims=True) + 0.1)
        lo = np.log2(p / 0.25)
        d = info["described"][0]
        self.assertEqual((d["width"], d["offset"]), (15, 2))
        np.testing.assert_allclose(bank[0, :, 2:17], (lo / lo.max(axis=1).sum()).T, rtol=1e-6)
        np.testing.assert_array_equal(bank[0, :, :2], 0)
        np.testing.assert_array_equal(bank[1], bank[0, ::-1, ::-1])
        # JASPAR's first row is A, then C, G, T: the model's channel 1 is G.
        text = jaspar_text()
        block = text[text.index(">MA0139.2"):].split("\n")
        self.assertTrue(block[3].startswith("G"))
        self.assertEqual(counts[0, 1], float(block[3].split("[")[1].split()[0]))
        conv = recipes.first_conv(torch, 4, 6, 19, motif_weight=bank)
        self.assertNotIn("motif_weight", dict(conv.named_parameters()))
        w, b = conv.materialise()
        torch.testing.assert_close(w[6:], torch.from_numpy(bank))
        torch.testing.assert_close(b[6:], torch.full((2,), recipes.MOTIF_BIAS_INIT))

    def one_step(self, trainable, fast):
        """A tiny network with CTCF's and MAX's priors after one Adam step on random windows:
        (the motif filters before, after, the model)."""
        bank, _ = recipes.motif_bank(np, JASPAR, "MA0139.2,MA0058.4", [], 19)
        config = {"conv_filters": 6, "conv_kernel": 19, "pool": 4, "conv_dropout": 0.0,
                  "lstm_hidden": 4, "lstm_dropout": 0.0, "dense_units": 8}
        torch.manual_seed(2)
        model = build_model(torch, config, 60, 3, motif_weight=bank, motif_trainable=trainable)
        model.fast_first_layer = fast
        before = recipes.first_layer_weights(model.conv)[0][6:].detach().clone()
        torch.testing.assert_close(before, torch.from_numpy(bank))  # both start from the log-odds
        optimizer = make_optimizer(torch, model, {"optimizer": "adam", "lr": 0.01, "weight_decay": 0.0})
        x = torch.from_numpy(tiled(np.random.default_rng(4).integers(0, 4, size=120), 60, 10, 7).astype(np.float32))
        y = torch.from_numpy(np.random.default_rng(5).integers(0, 2, size=(7, 3)).astype(np.float32))
        # Thresholds low enough that every motif filter passes the ReLU (a random window scores below 0): a gradient reaches each.
        with torch.no_grad():
            model.conv.motif_bias.fill_(1.0)
        optimizer.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
        optimizer.step()
        after = recipes.first_layer_weights(model.conv)[0][6:].detach().clone()
        return before, after, model, config

    def test_motif_filters_are_trained_only_with_motif_priors_trainable(self):
        for fast in (True, False):
            before, after, model, _ = self.one_step(False, fast)
            torch.testing.assert_close(after, before, rtol=0, atol=0)
            self.assertNotIn("conv.motif_weight", dict(model.named_parameters()))
            before, after, model, config = self.one_step(True, fast)
            self.assertIn("conv.motif_weight", dict(model.named_parameters()))
            # Every filter moved (Adam's first step moves each weight with a gradient by about lr) ...
            for f in range(4):
                self.assertGreater(float((after[f] - before[f]).abs().max()), 1e-3, "motif filter %d (fast=%s)" % (f, fast))
            # ... and the reverse-complement strands still mirror the forward ones: one motif, both strands.
            torch.testing.assert_close(after[2:], torch.flip(after[:2], dims=(1, 2)), rtol=0, atol=0)
            # The export is the plain Conv1d holding the trained filters.
            plain = plain_model(torch, model, config, 60, 3, recipes.motif_bank(np, JASPAR, "MA0139.2,MA0058.4", [], 19)[0])
            self.assertIsInstance(plain.conv, torch.nn.Conv1d)
            torch.testing.assert_close(plain.conv.weight[6:], after, rtol=0, atol=0)

    def test_motif_selection(self):
        motifs = recipes.parse_jaspar(jaspar_text())
        chosen, skipped = recipes.select_motifs(motifs, "targets", ["A|CTCF|None", "B|MAX|None"], 26)
        self.assertIn("MA0139.2", [m[0] for m in chosen])
        self.assertEqual(sorted(s["id"] for s in skipped), ["MA1929.2", "MA1930.2"])
        with self.assertRaises(recipes.RecipeError) as e:
            recipes.select_motifs(motifs, "MA1929.2", [], 26)
        self.assertIn("--arch conv_kernel=31", e.exception.message)
        with self.assertRaises(recipes.RecipeError):
            recipes.select_motifs(motifs, "NOT_A_FACTOR", [], 26)

    def test_motif_selection_through_the_factor_table(self):
        # ENCODE labels are not JASPAR names: GABP is GABPA, NRSF is REST, PU.1 is SPI1; Pol2 has none.
        motifs = recipes.parse_jaspar(jaspar_text())
        chosen, _ = recipes.select_motifs(motifs, "targets", ["K562|GABP|None", "GM12878|NRSF|None", "GM12878|Pol2|None"], 26)
        self.assertEqual(sorted(m[0] for m in chosen), ["MA0062.4", "MA0138.3"])
        chosen, _ = recipes.select_motifs(motifs, "PU.1,eGFP-JunB", [], 26)
        self.assertEqual(sorted(m[0] for m in chosen), ["MA0080.7", "MA0490.3", "MA1132.2", "MA1133.2", "MA1134.2", "MA1135.2",
                                                        "MA1136.1", "MA1137.2", "MA1138.2", "MA1139.2", "MA1140.3"])
        self.assertIsNone(recipes.table_matrix_ids(recipes.read_factor_table(), "NOT_A_FACTOR"))


class Validation(unittest.TestCase):
    CONFIG = {"conv_filters": 32, "conv_kernel": 11}

    def refused(self, message, **settings):
        h = dict(recipes.RECIPE_DEFAULTS, **settings)
        with self.assertRaises(recipes.RecipeError) as e:
            recipes.validate_recipe(h, self.CONFIG, 100)
        self.assertIn(message, e.exception.message)

    def test_settings_that_do_not_fit_are_refused_with_the_flag_named(self):
        self.refused("--shift-augment 50 is too large for 100 bp windows (it must be below half the window, 49)", shift_augment=50)
        self.refused("--input-dropout is the share of positions set to N, in [0, 1)", input_dropout=1.0)
        self.refused("--ema is a decay per step in (0, 1)", ema=1.0)
        self.refused("--swa-epochs must be a whole number >= 2", swa_epochs=1)
        self.refused("--ema and --swa-epochs exclude each other", ema=0.9, swa_epochs=3)
        self.refused("--pos-weight is the cap on each output's positive weight, a number >= 1", pos_weight=0.5)
        self.refused("--motif-file needs --motif-priors", motif_file="x.jaspar")
        self.refused("--motif-priors-trainable needs --motif-priors", motif_priors_trainable=True)
        h = dict(recipes.RECIPE_DEFAULTS, rc_shared=True)
        with self.assertRaises(recipes.RecipeError) as e:
            recipes.validate_recipe(h, {"conv_filters": 15, "conv_kernel": 11}, 100)
        self.assertIn("conv_filters must be even; found 15", e.exception.message)
        recipes.validate_recipe(dict(recipes.RECIPE_DEFAULTS, rc_shared=True, shift_augment=20, ema=0.99, pos_weight=10),
                                self.CONFIG, 100)


if __name__ == "__main__":
    unittest.main()
