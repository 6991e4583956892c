"""Real architectures written from torchvision's published layer lists (torchvision 0.2x sources), for
``benchmarks/real_models.py``.

Every builder takes ``width`` (channel divisor: 1 is the published network; larger values keep every
kernel, stride, padding, dilation and branch and only thin the channels, which does not change any
receptive field) and ``probe``: the published network uses ReLU / ReLU6 and max pooling; the probe
replaces the nonlinearities by the identity and max pooling by average pooling over the same windows,
so that with positive weights the support of an input gradient is exactly the set of input positions
connected to the output unit.

Only the convolutional trunk is built for the classifiers (up to the last feature map: torchvision's
``features`` / ``layer4``); the heads (global pooling and fully connected layers) make every output
depend on the whole input, which ``kronconv rf`` reports as such.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ARCHITECTURES"]


def _c(ch: int, width: int) -> int:
    return max(1, ch // width)


class _Kit:
    def __init__(self, width: int, probe: bool) -> None:
        self.w, self.probe = width, probe

    def act(self, six: bool = False) -> nn.Module:
        return nn.Identity() if self.probe else (nn.ReLU6() if six else nn.ReLU())

    def maxpool(self, k: int, s: int, p: int = 0, ceil: bool = False) -> nn.Module:
        if self.probe:
            return nn.AvgPool2d(k, s, p, ceil_mode=ceil)
        return nn.MaxPool2d(k, s, p, ceil_mode=ceil)

    def c(self, ch: int) -> int:
        return _c(ch, self.w)


# --------------------------------------------------------------------------- plain trunks


def alexnet(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    return nn.Sequential(
        nn.Conv2d(3, k.c(64), 11, 4, 2), k.act(), k.maxpool(3, 2),
        nn.Conv2d(k.c(64), k.c(192), 5, padding=2), k.act(), k.maxpool(3, 2),
        nn.Conv2d(k.c(192), k.c(384), 3, padding=1), k.act(),
        nn.Conv2d(k.c(384), k.c(256), 3, padding=1), k.act(),
        nn.Conv2d(k.c(256), k.c(256), 3, padding=1), k.act(), k.maxpool(3, 2))


def vgg16(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    layers: list[nn.Module] = []
    cin = 3
    for v in [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]:
        if v == "M":
            layers.append(k.maxpool(2, 2))
        else:
            layers += [nn.Conv2d(cin, k.c(v), 3, padding=1), k.act()]  # type: ignore[arg-type]
            cin = k.c(v)  # type: ignore[arg-type]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------- ResNet


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, k: _Kit, inp: int, planes: int, stride: int, down: nn.Module | None, dilation: int = 1,
                 prev_dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = k.act()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = down

    def forward(self, x):  # type: ignore[no-untyped-def]
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)


class Bottleneck(nn.Module):
    """torchvision's Bottleneck ("ResNet V1.5"): the stride sits in the 3x3 convolution."""

    expansion = 4

    def __init__(self, k: _Kit, inp: int, planes: int, stride: int, down: nn.Module | None, dilation: int = 1,
                 prev_dilation: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inp, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = k.act()
        self.downsample = down

    def forward(self, x):  # type: ignore[no-untyped-def]
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + idt)


class ResNet(nn.Module):
    def __init__(self, k: _Kit, block: type, layers: list[int], dilate: tuple[bool, bool, bool] = (False,) * 3):
        super().__init__()
        self.k = k
        self.inplanes = k.c(64)
        self.dilation = 1
        self.conv1 = nn.Conv2d(3, self.inplanes, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = k.act()
        self.maxpool = k.maxpool(3, 2, 1)
        self.layer1 = self._make(block, 64, layers[0])
        self.layer2 = self._make(block, 128, layers[1], 2, dilate[0])
        self.layer3 = self._make(block, 256, layers[2], 2, dilate[1])
        self.layer4 = self._make(block, 512, layers[3], 2, dilate[2])

    def _make(self, block: type, planes: int, n: int, stride: int = 1, dilate: bool = False) -> nn.Sequential:
        k = self.k
        planes = k.c(planes)
        prev = self.dilation
        if dilate:  # torchvision: replace_stride_with_dilation
            self.dilation *= stride
            stride = 1
        down = None
        if stride != 1 or self.inplanes != planes * block.expansion:  # type: ignore[attr-defined]
            down = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),  # type: ignore[attr-defined]
                                 nn.BatchNorm2d(planes * block.expansion))  # type: ignore[attr-defined]
        blocks = [block(k, self.inplanes, planes, stride, down, prev, prev)]
        self.inplanes = planes * block.expansion  # type: ignore[attr-defined]
        for _ in range(1, n):
            blocks.append(block(k, self.inplanes, planes, 1, None, self.dilation, self.dilation))
        return nn.Sequential(*blocks)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


def resnet18(width: int = 1, probe: bool = False) -> nn.Module:
    return ResNet(_Kit(width, probe), BasicBlock, [2, 2, 2, 2])


def resnet50(width: int = 1, probe: bool = False) -> nn.Module:
    return ResNet(_Kit(width, probe), Bottleneck, [3, 4, 6, 3])


# --------------------------------------------------------------------------- SqueezeNet 1.0


class Fire(nn.Module):
    def __init__(self, k: _Kit, inp: int, sq: int, e1: int, e3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(inp, sq, 1)
        self.expand1x1 = nn.Conv2d(sq, e1, 1)
        self.expand3x3 = nn.Conv2d(sq, e3, 3, padding=1)
        self.a, self.b, self.c = k.act(), k.act(), k.act()

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.a(self.squeeze(x))
        return torch.cat([self.b(self.expand1x1(x)), self.c(self.expand3x3(x))], 1)


def squeezenet(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    c = k.c
    return nn.Sequential(
        nn.Conv2d(3, c(96), 7, 2), k.act(), k.maxpool(3, 2, ceil=True),
        Fire(k, c(96), c(16), c(64), c(64)), Fire(k, 2 * c(64), c(16), c(64), c(64)),
        Fire(k, 2 * c(64), c(32), c(128), c(128)), k.maxpool(3, 2, ceil=True),
        Fire(k, 2 * c(128), c(32), c(128), c(128)), Fire(k, 2 * c(128), c(48), c(192), c(192)),
        Fire(k, 2 * c(192), c(48), c(192), c(192)), Fire(k, 2 * c(192), c(64), c(256), c(256)),
        k.maxpool(3, 2, ceil=True), Fire(k, 2 * c(256), c(64), c(256), c(256)),
        nn.Conv2d(2 * c(256), 1000 // width, 1), k.act())


# --------------------------------------------------------------------------- MobileNetV2


class InvertedResidual(nn.Module):
    def __init__(self, k: _Kit, inp: int, oup: int, stride: int, t: int) -> None:
        super().__init__()
        hidden = inp * t
        self.use_res = stride == 1 and inp == oup
        layers: list[nn.Module] = []
        if t != 1:
            layers += [nn.Conv2d(inp, hidden, 1, bias=False), nn.BatchNorm2d(hidden), k.act(True)]
        layers += [nn.Conv2d(hidden, hidden, 3, stride, 1, groups=hidden, bias=False), nn.BatchNorm2d(hidden),
                   k.act(True), nn.Conv2d(hidden, oup, 1, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return x + self.conv(x) if self.use_res else self.conv(x)


def mobilenet_v2(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    cin = k.c(32)
    layers: list[nn.Module] = [nn.Conv2d(3, cin, 3, 2, 1, bias=False), nn.BatchNorm2d(cin), k.act(True)]
    for t, ch, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                        (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            layers.append(InvertedResidual(k, cin, k.c(ch), s if i == 0 else 1, t))
            cin = k.c(ch)
    layers += [nn.Conv2d(cin, k.c(1280), 1, bias=False), nn.BatchNorm2d(k.c(1280)), k.act(True)]
    return nn.Sequential(*layers)


# --------------------------------------------------------------------------- GoogLeNet


class BasicConv2d(nn.Module):
    def __init__(self, k: _Kit, inp: int, out: int, kernel: int, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        self.conv = nn.Conv2d(inp, out, kernel, stride, padding, bias=False)
        self.bn = nn.BatchNorm2d(out, eps=0.001)
        self.act = k.act()

    def forward(self, x):  # type: ignore[no-untyped-def]
        return self.act(self.bn(self.conv(x)))


class Inception(nn.Module):
    """torchvision's Inception block; its "5x5" branch is a 3x3 convolution (kept as published)."""

    def __init__(self, k: _Kit, inp: int, c1: int, c3r: int, c3: int, c5r: int, c5: int, pp: int) -> None:
        super().__init__()
        c = k.c
        self.branch1 = BasicConv2d(k, inp, c(c1), 1)
        self.branch2 = nn.Sequential(BasicConv2d(k, inp, c(c3r), 1), BasicConv2d(k, c(c3r), c(c3), 3, padding=1))
        self.branch3 = nn.Sequential(BasicConv2d(k, inp, c(c5r), 1), BasicConv2d(k, c(c5r), c(c5), 3, padding=1))
        self.branch4 = nn.Sequential(k.maxpool(3, 1, 1, ceil=True), BasicConv2d(k, inp, c(pp), 1))
        self.out = c(c1) + c(c3) + c(c5) + c(pp)

    def forward(self, x):  # type: ignore[no-untyped-def]
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def googlenet(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    c = k.c
    mods: list[nn.Module] = [BasicConv2d(k, 3, c(64), 7, 2, 3), k.maxpool(3, 2, ceil=True),
                             BasicConv2d(k, c(64), c(64), 1), BasicConv2d(k, c(64), c(192), 3, padding=1),
                             k.maxpool(3, 2, ceil=True)]
    cin = c(192)
    spec = [(64, 96, 128, 16, 32, 32), (128, 128, 192, 32, 96, 64), "M3",
            (192, 96, 208, 16, 48, 64), (160, 112, 224, 24, 64, 64), (128, 128, 256, 24, 64, 64),
            (112, 144, 288, 32, 64, 64), (256, 160, 320, 32, 128, 128), "M2",
            (256, 160, 320, 32, 128, 128), (384, 192, 384, 48, 128, 128)]
    for item in spec:
        if item == "M3":
            mods.append(k.maxpool(3, 2, ceil=True))
        elif item == "M2":
            mods.append(k.maxpool(2, 2, ceil=True))
        else:
            inc = Inception(k, cin, *item)  # type: ignore[misc]
            mods.append(inc)
            cin = inc.out
    return nn.Sequential(*mods)


# --------------------------------------------------------------------------- DenseNet-121


class DenseLayer(nn.Module):
    def __init__(self, k: _Kit, inp: int, growth: int, bn_size: int) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(inp), k.act()
        self.conv1 = nn.Conv2d(inp, bn_size * growth, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bn_size * growth), k.act()
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, feats):  # type: ignore[no-untyped-def]
        x = torch.cat(feats, 1)
        return self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))


class DenseBlock(nn.Module):
    def __init__(self, k: _Kit, n: int, inp: int, growth: int, bn_size: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(k, inp + i * growth, growth, bn_size) for i in range(n))

    def forward(self, x):  # type: ignore[no-untyped-def]
        feats = [x]
        for layer in self.layers:
            feats.append(layer(feats))
        return torch.cat(feats, 1)


def densenet121(width: int = 1, probe: bool = False) -> nn.Module:
    k = _Kit(width, probe)
    growth, bn = k.c(32), 4
    ch = k.c(64)
    mods: list[nn.Module] = [nn.Conv2d(3, ch, 7, 2, 3, bias=False), nn.BatchNorm2d(ch), k.act(),
                             k.maxpool(3, 2, 1)]
    for i, n in enumerate((6, 12, 24, 16)):
        mods.append(DenseBlock(k, n, ch, growth, bn))
        ch += n * growth
        if i != 3:
            mods += [nn.BatchNorm2d(ch), k.act(), nn.Conv2d(ch, ch // 2, 1, bias=False), nn.AvgPool2d(2, 2)]
            ch //= 2
    mods.append(nn.BatchNorm2d(ch))
    return nn.Sequential(*mods)


# --------------------------------------------------------------------------- DeepLabv3 and ASPP


class ASPP(nn.Module):
    """torchvision's ASPP: a 1x1 branch, three 3x3 branches (dilation = padding = rate), image pooling."""

    def __init__(self, k: _Kit, inp: int, rates: tuple[int, int, int], out: int = 256, pooling: bool = True):
        super().__init__()
        out = k.c(out)
        self.b0 = nn.Sequential(nn.Conv2d(inp, out, 1, bias=False), nn.BatchNorm2d(out), k.act())
        self.b = nn.ModuleList(nn.Sequential(nn.Conv2d(inp, out, 3, padding=r, dilation=r, bias=False),
                                             nn.BatchNorm2d(out), k.act()) for r in rates)
        self.pooling = pooling
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.pconv = nn.Sequential(nn.Conv2d(inp, out, 1, bias=False), nn.BatchNorm2d(out), k.act())
        n = 5 if pooling else 4
        self.project = nn.Sequential(nn.Conv2d(n * out, out, 1, bias=False), nn.BatchNorm2d(out), k.act(),
                                     nn.Dropout(0.5))

    def forward(self, x):  # type: ignore[no-untyped-def]
        res = [self.b0(x)] + [b(x) for b in self.b]
        if self.pooling:
            p = self.pconv(self.pool(x))
            res.append(F.interpolate(p, size=x.shape[-2:], mode="bilinear", align_corners=False))
        return self.project(torch.cat(res, 1))


class DeepLabV3(nn.Module):
    def __init__(self, k: _Kit, os: int, pooling: bool = True) -> None:
        super().__init__()
        dil = (False, True, True) if os == 8 else (False, False, True)
        rates = (12, 24, 36) if os == 8 else (6, 12, 18)
        self.os = os
        self.backbone = ResNet(k, Bottleneck, [3, 4, 6, 3], dil)
        self.aspp = ASPP(k, k.c(2048), rates, pooling=pooling)
        c = k.c(256)
        self.head = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), k.act(),
                                  nn.Conv2d(c, 21, 1))

    def forward(self, x):  # type: ignore[no-untyped-def]
        y = self.head(self.aspp(self.backbone(x)))
        return F.interpolate(y, scale_factor=self.os, mode="bilinear", align_corners=False)


def deeplabv3_os8(width: int = 1, probe: bool = False, pooling: bool = True) -> nn.Module:
    return DeepLabV3(_Kit(width, probe), 8, pooling)


def deeplabv3_os16(width: int = 1, probe: bool = False, pooling: bool = True) -> nn.Module:
    return DeepLabV3(_Kit(width, probe), 16, pooling)


def aspp_head(width: int = 1, probe: bool = False, pooling: bool = True) -> nn.Module:
    """The ASPP head on a 2048-channel feature map (rates 6, 12, 18), as in DeepLabv3 at output stride 16."""
    k = _Kit(width, probe)
    return ASPP(k, k.c(2048), (6, 12, 18), pooling=pooling)


# --------------------------------------------------------------------------- WaveNet


class WaveNet(nn.Module):
    """WaveNet (van den Oord et al. 2016): a causal 2-tap convolution, then 2 stacks of 10 gated residual
    blocks with dilations 1, 2, ..., 512 (causal: each pads d on the left only), skip connections summed.
    The probe averages the filter and gate branches instead of multiplying them (same support, no overflow)."""

    def __init__(self, k: _Kit, stacks: int = 2, layers: int = 10, ch: int = 64) -> None:
        super().__init__()
        ch = k.c(ch)
        self.probe = k.probe
        self.causal = nn.Conv1d(1, ch, 2)
        self.dil = [2**i for _ in range(stacks) for i in range(layers)]
        self.filt = nn.ModuleList(nn.Conv1d(ch, ch, 2, dilation=d) for d in self.dil)
        self.gate = nn.ModuleList(nn.Conv1d(ch, ch, 2, dilation=d) for d in self.dil)
        self.res = nn.ModuleList(nn.Conv1d(ch, ch, 1) for _ in self.dil)
        self.skip = nn.ModuleList(nn.Conv1d(ch, ch, 1) for _ in self.dil)
        self.out1, self.out2 = nn.Conv1d(ch, ch, 1), nn.Conv1d(ch, 256, 1)

    def forward(self, x):  # type: ignore[no-untyped-def]
        x = self.causal(F.pad(x, (1, 0)))
        skips = []
        for d, f, g, r, s in zip(self.dil, self.filt, self.gate, self.res, self.skip):
            xp = F.pad(x, (d, 0))
            z = (f(xp) + g(xp)) / 2 if self.probe else torch.tanh(f(xp)) * torch.sigmoid(g(xp))
            skips.append(s(z))
            x = x + r(z)
        y = skips[0]
        for s in skips[1:]:
            y = y + s
        return self.out2(self.out1(y)) if self.probe else self.out2(F.relu(self.out1(F.relu(y))))


def wavenet(width: int = 1, probe: bool = False) -> nn.Module:
    return WaveNet(_Kit(width, probe))


#: name -> (builder, input channels, dims, notes)
ARCHITECTURES = {
    "AlexNet": (alexnet, 3, 2, "features"),
    "VGG-16": (vgg16, 3, 2, "features"),
    "ResNet-18": (resnet18, 3, 2, "up to layer4"),
    "ResNet-50": (resnet50, 3, 2, "up to layer4 (stride in the 3x3, V1.5)"),
    "SqueezeNet 1.0": (squeezenet, 3, 2, "features + final 1x1 conv"),
    "MobileNetV2": (mobilenet_v2, 3, 2, "features"),
    "GoogLeNet": (googlenet, 3, 2, "up to inception5b"),
    "DenseNet-121": (densenet121, 3, 2, "features"),
    "DeepLabv3 OS8": (deeplabv3_os8, 3, 2, "ResNet-50, ASPP 12/24/36 + image pooling, x8 bilinear"),
    "DeepLabv3 OS16": (deeplabv3_os16, 3, 2, "ResNet-50, ASPP 6/12/18 + image pooling, x16 bilinear"),
    "ASPP head": (aspp_head, 2048, 2, "rates 6/12/18 + image pooling, on features"),
    "WaveNet": (wavenet, 1, 1, "2 x 10 causal blocks, dilations 1..512"),
}
