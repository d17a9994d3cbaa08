"""The example study's figure: eigenvalue against frequency on log-log axes."""

from specbias.figures import label, plt


def spectrum(spec):
    fig, ax = plt.subplots(figsize=(4.5, 3.5))
    lam = abs(spec.eigenvalue)
    keep = (spec.frequency > 0) & (lam > 0)
    ax.loglog(spec.frequency[keep], lam[keep], ".", ms=3)
    ax.set_xlabel(label(spec.frequency))
    ax.set_ylabel(label(spec.eigenvalue))
    ax.set_title(f"{spec.attrs['activation']}: slope {spec.attrs['slope']:.2f}")
    return fig
