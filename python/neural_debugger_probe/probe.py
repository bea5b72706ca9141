"""Finds the training loop of an unmodified script and measures it.

A step is one `optimizer.step()` (torch >= 2.0: the global optimizer step
hooks; older torch: each optimizer's `step` wrapped when it is created). The
loss is the tensor `backward()` was last called on before the step. An epoch
is one full pass over the DataLoader the steps drew their batches from. After
each step the probe reports it and runs on; before the next update it waits
for the host's decision on that report (docs/pytorch.md, "Step boundaries"):
the rules (pause, breakpoints, diagnostics) are the host's."""

import importlib
import math
import time
import types

import torch

from . import stats as S
from . import topology
from . import validation
from .epochs import Epochs
from .loaders import LoaderPass
from .validation import ValidationTotals


class StopTraining(BaseException):
    """Raised at a step boundary when the debugger stops the run (a BaseException: `except Exception` does not swallow it)."""


class Probe(Epochs):
    def __init__(self, wire, options, script):
        self.wire = wire
        self.script = script
        self.stats_every = int(options.get("statsEvery") or 10)
        self.histograms_every = int(options.get("histogramsEvery") or 100)
        self.optimizers = []
        self.loss = None
        self.current_pass = None
        self.batch_size = 1
        self.step = 0
        self.epoch = 1
        self.samples_seen = 0
        self.header_sent = False
        # A step boundary was reported and its decision not yet read.
        self.decision_pending = False
        self.detail = True
        self.histograms = True
        self.depth = 0
        self.in_step = 0
        # First forward pass: shapes and call order; later, outputs of detailed steps.
        self.call_order = []
        self.shapes = {}
        self.input_shapes = {}
        self.top_level = []
        self.outputs = {}
        self.root = None
        self.leaves = []
        self.names = {}
        self.param_names = {}
        self.epoch_losses = []
        # The epoch that ended, reported before the next update (or at the script's end), once its validation passes ran.
        self.pending_epoch = None
        # The epoch's last step's `waiting` goes out with the epoch: the host decides with the epoch known.
        self.waiting_deferred = False
        self.validation = ValidationTotals()
        # The script calls epoch() (the API): epochs are its calls, no longer DataLoader passes.
        self.explicit_epochs = False
        self.epoch_steps = 0
        # log(name=value) since the last epoch was reported: metrics of the next epoch reported.
        self.logged = {}
        self.epoch_started = time.perf_counter()
        self.step_started = time.perf_counter()
        self.before = None
        # Seconds spent measuring, and waiting for the host's decisions (bench/pytorchProbe.ts reports them).
        self.measure_seconds = 0.0
        self.wait_seconds = 0.0

    # ---- installation ----------------------------------------------------

    def install(self):
        probe = self
        original_backward = torch.autograd.backward

        def backward(tensors, *args, **kwargs):
            first = tensors[0] if isinstance(tensors, (tuple, list)) and tensors else tensors
            if hasattr(first, "numel") and first.numel() == 1:
                probe.loss = first.detach()
            return original_backward(tensors, *args, **kwargs)

        torch.autograd.backward = backward
        validation.install(self)

        loader_iter = torch.utils.data.DataLoader.__iter__

        def dataloader_iter(loader):
            return LoaderPass(probe, loader, loader_iter(loader))

        torch.utils.data.DataLoader.__iter__ = dataloader_iter

        torch.nn.modules.module.register_module_forward_pre_hook(self._forward_pre)
        torch.nn.modules.module.register_module_forward_hook(self._forward_post)

        optimizer_module = importlib.import_module("torch.optim.optimizer")
        if hasattr(optimizer_module, "register_optimizer_step_pre_hook"):
            # torch >= 2.0: global hooks see every optimizer, closures included.
            optimizer_module.register_optimizer_step_pre_hook(lambda opt, args, kwargs: self.before_step(opt))
            optimizer_module.register_optimizer_step_post_hook(lambda opt, args, kwargs: self.after_step(opt))
        else:
            original_init = torch.optim.Optimizer.__init__

            def init(opt, *args, **kwargs):
                original_init(opt, *args, **kwargs)
                probe._wrap_step(opt)

            torch.optim.Optimizer.__init__ = init

    def _wrap_step(self, opt):
        """torch < 2.0: the instance's `step`, as a bound method (lr schedulers re-wrap it through __func__/__self__)."""
        if getattr(opt, "_neural_debugger_wrapped", False):
            return
        opt._neural_debugger_wrapped = True
        original = opt.step
        probe = self

        def step(self_opt, *args, **kwargs):
            probe.before_step(self_opt)
            result = original(*args, **kwargs)
            probe.after_step(self_opt)
            return result

        opt.step = types.MethodType(step, opt)

    # ---- forward hooks ---------------------------------------------------

    def _forward_pre(self, module, inputs):
        if self.depth == 0 and not self.header_sent:
            self.top_level.append(module)
            self.input_shapes.setdefault(module, topology.shape_of(inputs))
        self.depth += 1

    def _forward_post(self, module, inputs, output):
        self.depth -= 1
        if not self.header_sent:
            if not any(True for _ in module.children()) and module not in self.shapes:
                self.call_order.append(module)
            self.shapes.setdefault(module, topology.shape_of(output))
        # Training passes only (grad enabled): a validation pass under no_grad leaves the step's outputs.
        # Kept on every step (a reference, no copy: backward holds most of them anyway), because
        # whether this step is detailed is decided while its forward pass runs.
        if torch.is_grad_enabled() and hasattr(output, "detach") and (not self.header_sent or module in self.names):
            self.outputs[module] = output.detach()

    # ---- steps -----------------------------------------------------------

    def _register(self, opt):
        if opt not in self.optimizers:
            self.optimizers.append(opt)

    def _params(self):
        seen, params = set(), []
        for opt in self.optimizers:
            for group in opt.param_groups:
                for p in group["params"]:
                    if id(p) not in seen:
                        seen.add(id(p))
                        params.append(p)
        return params

    def before_step(self, opt):
        self.in_step += 1
        if self.in_step > 1:
            return  # an optimizer stepping another one inside its step: one step
        self._register(opt)
        self.report_epoch()
        if not self.header_sent:
            self._send_header()
            self.wire.send({"type": "waiting", "step": 0})
            self.decision_pending = True
        self.await_decision()
        params = self._params()
        self.before = [p.detach().clone() for p in params] if self.detail else None

    def after_step(self, opt):
        self.in_step -= 1
        if self.in_step > 0:
            return
        self.step += 1
        started = time.perf_counter()
        self._report_step()
        self.measure_seconds += time.perf_counter() - started
        self.outputs = {}
        if self.pending_epoch is not None:
            self.waiting_deferred = True  # sent with the epoch, after its validation passes
            self.wire.flush()  # the step itself goes out now
        else:
            # Reported, not waited for: the next batch's forward and backward overlap the host's decision.
            self.wire.send({"type": "waiting", "step": self.step})
            self.decision_pending = True
        self.step_started = time.perf_counter()

    def _report_step(self):
        params = self._params()
        batch = S.Batch()
        loss = self.loss if self.loss is not None else torch.tensor(math.nan)
        loss_handle = batch.add(loss.to(torch.float64).reshape(()))
        with_grad = [p for p in params if p.grad is not None]
        grad_norms = batch.add(torch.stack([S.norm(p.grad).to(loss.device) for p in with_grad])) if with_grad else None
        # Weight norms on the statistics schedule only; on other steps a non-finite weight shows in its gradient first.
        weight_norms = batch.add(torch.stack([S.norm(p).to(loss.device) for p in params])) if params and self.detail else None
        ratios = hists = None
        if self.detail and self.before is not None and params:
            ratios = batch.add(torch.stack([(S.norm(p - b) / S.norm(b)).to(loss.device) for p, b in zip(params, self.before)]))
        if self.histograms:
            hists = {id(p): (S.histogram_parts(batch, p), S.histogram_parts(batch, p.grad) if p.grad is not None else None) for p in params}
        activations = {}
        features = {}
        if self.detail:
            for module, output in self.outputs.items():
                if module in self.names and hasattr(output, "dim"):
                    activations[module] = S.activation_parts(batch, output, topology.activation_of(module), self.histograms)
                    if self.histograms and output.dim() == 4:
                        features[module] = S.feature_map_parts(batch, output)
        batch.resolve()
        self.before = None
        loss_value = batch.scalar(loss_handle)
        grads = dict(zip((id(p) for p in with_grad), batch.values(grad_norms))) if grad_norms else {}
        norms = dict(zip((id(p) for p in params), batch.values(weight_norms))) if weight_norms else {}
        ratio_of = dict(zip((id(p) for p in params), batch.values(ratios))) if ratios else {}
        non_finite = 0 if math.isfinite(loss_value) else 1
        weights = []
        for p in params:
            name, layer = self.param_names.get(id(p), ("param", "(other)"))
            g = grads.get(id(p))
            # A norm is finite exactly when every value is: count only then.
            g_bad = int(S.non_finite(p.grad)) if g is not None and not math.isfinite(g) else 0
            w_norm = norms.get(id(p), 0.0 if g is None or math.isfinite(g) else math.nan)
            w_bad = int(S.non_finite(p)) if not math.isfinite(w_norm) else 0
            non_finite += g_bad + w_bad
            w = {
                "name": name,
                "layer": layer,
                "shape": list(p.shape),
                "trainable": bool(p.requires_grad),
                "norm": norms.get(id(p)) if self.detail else None,
                "gradNorm": g,
                "updateRatio": ratio_of.get(id(p)),
                "gradNonFinite": g_bad,
                "weightNonFinite": w_bad,
            }
            if hists is not None:
                w["histogram"] = hists[id(p)][0]()
                if hists[id(p)][1] is not None:
                    w["gradHistogram"] = hists[id(p)][1]()
            weights.append(w)
        layers = []
        for module in self.leaves:
            name = self.names[module]
            squares = [grads[id(p)] ** 2 for p in module.parameters(recurse=False) if id(p) in grads]
            layer = {
                "name": name,
                "className": type(module).__name__,
                "activation": topology.activation_of(module),
                "gradNorm": math.sqrt(sum(squares)) if squares else None,
            }
            if module in activations:
                layer["activationStats"] = activations[module]()
            if module in features:
                layer["featureMaps"] = features[module]()
            layers.append(layer)
        total = math.sqrt(sum(v * v for v in grads.values())) if grads else 0.0
        current = self.current_pass
        by_loader = current is not None and not self.explicit_epochs
        batches_per_epoch = current.length if by_loader else 0
        batch_index = (current.batches - 1) if by_loader else self.epoch_steps
        if current is not None:
            current.steps += 1
        self.epoch_steps += 1
        self.samples_seen += self.batch_size
        self.epoch_losses.append(loss_value)
        self.wire.send(
            flush=False,
            event={
                "type": "step",
                "stats": {
                    "step": self.step,
                    "epoch": self.epoch,
                    "batch": batch_index,
                    "batchesPerEpoch": batches_per_epoch,
                    "batchSize": self.batch_size,
                    "loss": loss_value,
                    "metrics": {},
                    "learningRate": self.learning_rate(),
                    "gradNorm": total,
                    "nonFinite": non_finite,
                    "detailed": self.detail,
                    "withHistograms": self.histograms,
                    "layers": layers,
                    "weights": weights,
                    "durationMs": (time.perf_counter() - self.step_started) * 1000.0,
                    "samplesSeen": self.samples_seen,
                },
            },
        )
        # A sized loader's last batch ends the epoch at this boundary (the host decides after it).
        if by_loader and current.length > 0 and current.batches == current.length and not current.epoch_reported:
            current.epoch_reported = True
            self.end_epoch()

    # ---- the host's decisions --------------------------------------------

    def await_decision(self):
        """Before an update (or at the script's end): do what the host says about the last reported step until it lets the run go on."""
        if not self.decision_pending:
            return
        started = time.perf_counter()
        self._read_decision()
        self.decision_pending = False
        self.wait_seconds += time.perf_counter() - started

    def _read_decision(self):
        while True:
            command = self.wire.receive()
            if command is None or command.get("type") == "stop":
                raise StopTraining()
            kind = command.get("type")
            if kind == "proceed":
                self.detail = bool(command.get("detail"))
                self.histograms = bool(command.get("histograms"))
                return
            if kind == "setLearningRate":
                self._set_learning_rate(command)

    def learning_rate(self):
        for opt in self.optimizers:
            for group in opt.param_groups:
                if "lr" in group:
                    return float(group["lr"])
        return math.nan

    def _set_learning_rate(self, command):
        value = command.get("value")
        groups = [g for opt in self.optimizers for g in opt.param_groups if "lr" in g]
        if not groups:
            self.wire.send({"type": "reply", "requestId": command["requestId"], "ok": False, "error": "the optimizer has no learning rate"})
            return
        before = self.learning_rate()
        for group in groups:
            group["lr"] = value
        self.wire.send({"type": "reply", "requestId": command["requestId"], "ok": True, "result": {"from": before, "to": value}})

    # ---- the header --------------------------------------------------------

    def _send_header(self):
        params = self._params()
        owned = {id(p) for p in params}
        candidates = [m for m in dict.fromkeys(self.top_level) if any(id(p) in owned for p in m.parameters())]
        root = max(candidates, key=lambda m: sum(1 for p in m.parameters() if id(p) in owned), default=None)
        if root is None:
            root = torch.nn.Module()
        self.root = root
        topo, self.leaves, self.names = topology.build(root, self.call_order, self.shapes, self.input_shapes.get(root, []))
        modules = dict(root.named_modules())
        for qualified, p in root.named_parameters():
            owner, _, leaf = qualified.rpartition(".")
            layer = topology.layer_name(owner, modules.get(owner))
            self.param_names[id(p)] = (f"{layer}/{leaf}", layer)
        opt = self.optimizers[0]
        first = self.current_pass
        loader = first.loader if first is not None else None
        try:
            train_samples = len(loader.dataset) if loader is not None else 0
        except TypeError:
            train_samples = 0
        settings = {
            "modelFile": self.script,
            "epochs": 0,
            "maxSteps": None,
            "batchSize": getattr(loader, "batch_size", None) or self.batch_size,
            "seed": int(torch.initial_seed() % (2**31)),
            "shuffle": type(getattr(loader, "sampler", None)).__name__ == "RandomSampler",
            "statsEvery": self.stats_every,
            "histogramsEvery": self.histograms_every,
            "optimizer": type(opt).__name__,
            "learningRate": self.learning_rate(),
            "loss": "backward() tensor",
            "metrics": [],
            "dataDescription": f"{type(loader.dataset).__name__} through a DataLoader" if loader is not None else "the script's own batches",
            "trainSamples": train_samples,
            "validationSamples": 0,
            "testSamples": 0,
        }
        device = next(iter(params)).device if params else torch.device("cpu")
        backend = {"name": "pytorch", "requested": "auto", "reasons": [], "addedKernels": [], "device": str(device)}
        self.wire.send({"type": "header", "topology": topo, "settings": settings, "backend": backend})
        self.header_sent = True
        self.outputs = {m: o for m, o in self.outputs.items() if m in self.names}
