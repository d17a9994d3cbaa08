# The scorecard: every study's claim rows in one table (claims registry: specbias.claims).


rule scorecard:
    """All studies' claims in one table (CSV, Markdown, and HTML for the report)."""
    input:
        claims=claim_files(),
    output:
        csv="results/scorecard.csv",
        md="results/scorecard.md",
        html=report("results/scorecard.html", category="Scorecard", caption="../report/scorecard.rst"),
    log:
        "results/logs/scorecard.log",
    benchmark:
        "results/benchmarks/scorecard.tsv"
    script:
        "../workflow/scripts/scorecard.py"
