"""The network: a 3D U-Net with four levels (8-16-32-48 channels), instance norm, leaky ReLU.

About 285 thousand parameters (1.2 MB of float32 weights). Input: two windows of the
Hounsfield units on the working grid (see geometry.py); output: logits for
background + the four segments. Spatial sizes must be multiples of 8 (three poolings).
"""

import torch
from torch import nn

CHANNELS = (8, 16, 32, 48)
IN_CHANNELS = 2  # geometry.WINDOWS
CLASSES = 5  # background, BODY, RIGHT_LUNG, LEFT_LUNG, BONE
MULTIPLE = 2 ** (len(CHANNELS) - 1)


def _block(cin, cout):
    return nn.Sequential(
        nn.Conv3d(cin, cout, 3, padding=1, bias=False),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
        nn.Conv3d(cout, cout, 3, padding=1, bias=False),
        nn.InstanceNorm3d(cout, affine=True),
        nn.LeakyReLU(0.01, inplace=True),
    )


class UNet3D(nn.Module):
    def __init__(self, channels=CHANNELS, classes=CLASSES):
        super().__init__()
        self.down = nn.ModuleList()
        cin = IN_CHANNELS
        for c in channels:
            self.down.append(_block(cin, c))
            cin = c
        self.pool = nn.MaxPool3d(2)
        self.up = nn.ModuleList()
        self.merge = nn.ModuleList()
        for c in reversed(channels[:-1]):
            self.up.append(nn.ConvTranspose3d(cin, c, 2, stride=2))
            self.merge.append(_block(2 * c, c))
            cin = c
        self.head = nn.Conv3d(cin, classes, 1)

    def forward(self, x):
        skips = []
        for i, block in enumerate(self.down):
            x = block(x)
            if i < len(self.down) - 1:
                skips.append(x)
                x = self.pool(x)
        for up, merge in zip(self.up, self.merge):
            x = up(x)
            x = merge(torch.cat([skips.pop(), x], dim=1))
        return self.head(x)


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())
