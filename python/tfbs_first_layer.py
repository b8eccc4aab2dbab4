"""The first layer of the DanQ family (convolution, ReLU, non-overlapping max-pool) computed faster
on the CPU for training, as the same function.

Measured on this project's 2-core AMD EPYC (one thread, compact preset, batch 100 x 1000 bp, forward
and backward of this layer alone): 0.88-1.04 s for Conv1d -> ReLU -> MaxPool1d, 0.26-0.36 s this way.
oneDNN's Conv1d with 4 input channels ran at ~27 GFLOP/s, PyTorch's max-pool over the channels-first
tensor is not vectorised, and the ReLU ran over every convolution output. Here instead:

* the window's (L, 4) one-hot rows are contiguous, so the K-wide receptive fields are rows of a strided
  view (L - K + 1, 4K) of the input, and the convolution is one matrix product with the (4K, F) filter
  matrix, channels-last;
* the max-pool runs on that channels-last tensor (PyTorch's channels-last max_pool2d vectorises over
  the filters), then the bias and the ReLU on the pooled steps only: max(v + b) = max(v) + b for one
  filter's bias, and relu(max(v)) = max(relu(v)); the gradients agree too (zero where the pooled value
  is <= 0, else to the arg-max);
* the result is (B, T, F), the batch-first layout the LSTM takes: no transpose.

The exported ONNX graph keeps the plain Conv1d -> ReLU -> MaxPool1d (python/tfbs_train.py builds the
export with this off), so what the engine reads, chunks and quantises does not change.
"""


def conv_relu_pool(torch, x, weight, bias, pool):
    """x (B, L, 4) float, weight (F, 4, K), bias (F,) -> (B, T, F) with T = (L - K + 1) // pool:
    relu(maxpool(conv1d(x.transpose(1, 2), weight, bias))).transpose(1, 2)."""
    batch, length, channels = x.shape
    filters, _, kernel = weight.shape
    steps = (length - kernel + 1) // pool
    used = steps * pool
    x = x.contiguous()
    # Row p of the view holds input rows p .. p + K - 1, each with its 4 channels (no copy); only the
    # positions the pool uses are taken, as MaxPool1d's floor mode does.
    fields = x.as_strided((batch, used, kernel * channels), (length * channels, channels, 1)).reshape(batch * used, kernel * channels)
    # (F, 4, K) -> (K, 4, F) -> (K * 4, F): the same (k, channel) order as the fields' columns
    conv = torch.mm(fields, weight.permute(2, 1, 0).reshape(kernel * channels, filters))  # (B * used, F)
    # As an NCHW image (B, F, used, 1) in channels-last memory: pooled along the positions
    image = conv.view(batch, used, 1, filters).permute(0, 3, 1, 2)
    pooled = torch.nn.functional.max_pool2d(image, (pool, 1), (pool, 1))  # (B, F, T, 1), channels-last
    return torch.relu(pooled.permute(0, 2, 3, 1).reshape(batch, steps, filters) + bias)
