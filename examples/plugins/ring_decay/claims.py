"""The example study's claim: the two-layer NTK's eigenvalues on the circle fall as q^-2."""

from specbias.claims import Claim

CLAIMS = {c.id: c for c in [
    Claim("X1", "two-layer NTK on S^1: operator eigenvalues fall as q^-2 (plug-in example)", "-2",
          "ring_decay.*.tolerance", ("ring_decay",)),
]}
