"""python/tfbs_first_layer.py: the training path's first layer equals Conv1d -> ReLU -> MaxPool1d,
values and gradients, for the presets' shapes and a window length that leaves a remainder."""
import os
import sys
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "python"))
import tfbs_first_layer as first_layer  # noqa: E402


def reference(x, weight, bias, pool):
    h = torch.nn.functional.conv1d(x.transpose(1, 2), weight, bias)
    return torch.nn.functional.max_pool1d(torch.relu(h), pool, pool).transpose(1, 2)


class FirstLayer(unittest.TestCase):
    def check(self, batch, length, filters, kernel, pool, seed):
        g = torch.Generator().manual_seed(seed)
        codes = torch.randint(0, 5, (batch, length), generator=g)  # 4 = N: an all-zero row
        x = torch.nn.functional.one_hot(codes, 5)[..., :4].float()
        weight = (torch.randn(filters, 4, kernel, generator=g) * 0.3).requires_grad_()
        bias = (torch.randn(filters, generator=g) * 0.1).requires_grad_()
        upstream = torch.randn(batch, (length - kernel + 1) // pool, filters, generator=g)
        want = reference(x, weight, bias, pool)
        (want * upstream).sum().backward()
        want_grads = weight.grad.clone(), bias.grad.clone()
        weight.grad, bias.grad = None, None
        got = first_layer.conv_relu_pool(torch, x, weight, bias, pool)
        (got * upstream).sum().backward()
        self.assertEqual(got.shape, want.shape)
        torch.testing.assert_close(got, want, rtol=0, atol=1e-5)
        torch.testing.assert_close(weight.grad, want_grads[0], rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(bias.grad, want_grads[1], rtol=1e-4, atol=1e-4)

    def test_compact_and_danq_shapes(self):
        self.check(batch=3, length=1000, filters=48, kernel=26, pool=13, seed=1)

    def test_tiny_shape_with_a_remainder_the_pool_drops(self):
        self.check(batch=5, length=103, filters=32, kernel=11, pool=4, seed=2)

    def test_a_flipped_window_is_not_contiguous_and_still_right(self):
        g = torch.Generator().manual_seed(3)
        x = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 60), generator=g), 4).float().flip(1, 2)
        weight, bias = torch.randn(8, 4, 9, generator=g), torch.randn(8, generator=g)
        torch.testing.assert_close(first_layer.conv_relu_pool(torch, x, weight, bias, 5), reference(x, weight, bias, 5), rtol=0, atol=1e-5)


class WholeNetwork(unittest.TestCase):
    """The trainer's network gives the same logits with the fast first layer on and off, for a plain
    Conv1d and for a recipe's first layer (RC-shared filters beside frozen motif filters)."""

    def test_both_first_layers(self):
        import numpy as np
        import tfbs_model
        config = dict(tfbs_model.PRESETS["tiny"], conv_filters=8)
        motifs = np.random.default_rng(4).normal(size=(6, 4, config["conv_kernel"])).astype(np.float32)
        for rc_shared, motif_weight in ((False, None), (True, motifs)):
            torch.manual_seed(5)
            model = tfbs_model.build_model(torch, config, 120, 7, rc_shared, motif_weight).eval()
            x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 120)), 4).float()
            plain = model(x)
            model.fast_first_layer = True
            torch.testing.assert_close(model(x), plain, rtol=0, atol=1e-5)


if __name__ == "__main__":
    unittest.main()
