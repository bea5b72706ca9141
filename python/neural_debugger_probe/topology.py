"""The model as the training view draws it (ModelTopology of src/shared/stats.ts):
the leaf modules of the trained model in the order the first forward pass
called them, each fed by the one before (a chain: branches and skip
connections are not traced), with the input and output shapes seen then."""

# Module classes that are an activation, by the names the diagnostics know (tfjs spelling).
ACTIVATIONS = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "ELU": "elu",
    "SELU": "selu",
    "Softmax": "softmax",
    "LeakyReLU": "leakyRelu",
    "GELU": "gelu",
    "Hardsigmoid": "hardSigmoid",
    "SiLU": "swish",
}


def layer_name(qualified, module=None):
    """`features.0` → `features_0`, a Sequential's `0` → `linear_0`: names the expression language can spell (layers.linear_0.gradNorm)."""
    name = qualified.replace(".", "_") or "model"
    if name[0].isdigit():
        name = f"{type(module).__name__.lower() if module is not None else 'layer'}_{name}"
    return name


def activation_of(module):
    return ACTIVATIONS.get(type(module).__name__)


def shape_of(value):
    """[None, ...] for a tensor (the batch axis unknown, as tfjs writes it); the first tensor of a tuple or list."""
    if hasattr(value, "shape") and hasattr(value, "dim"):
        return [None] + [int(d) for d in value.shape[1:]]
    if isinstance(value, (tuple, list)) and value:
        return shape_of(value[0])
    return []


def build(root, call_order, shapes, input_shape):
    """`call_order`: leaf modules in first-call order; `shapes`: module → output shape."""
    names = {module: layer_name(name, module) for name, module in root.named_modules()}
    leaves = [m for m in call_order if m in names]
    seen = set(leaves)
    # Leaves the first pass did not call (unused heads) still count their parameters.
    for _, module in root.named_modules():
        if not any(True for _ in module.children()) and module not in seen and module is not root:
            leaves.append(module)
    layers = [
        {
            "name": "input",
            "className": "InputLayer",
            "activation": None,
            "inputs": [],
            "outputShape": input_shape,
            "paramCount": 0,
            "trainable": False,
        }
    ]
    previous = "input"
    for module in leaves:
        params = list(module.parameters(recurse=False))
        name = names[module]
        layers.append(
            {
                "name": name,
                "className": type(module).__name__,
                "activation": activation_of(module),
                "inputs": [previous],
                "outputShape": shapes.get(module, []),
                "paramCount": sum(p.numel() for p in params),
                "trainable": any(p.requires_grad for p in params),
            }
        )
        previous = name
    total = sum(p.numel() for p in root.parameters())
    trainable = sum(p.numel() for p in root.parameters() if p.requires_grad)
    return {
        "name": type(root).__name__,
        "layers": layers,
        "inputs": ["input"],
        "outputs": [previous],
        "totalParams": total,
        "trainableParams": trainable,
    }, leaves, names
