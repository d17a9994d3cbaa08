# specbias: one rules file per study (config section), each sample -> train -> NTK -> predict ->
# analysis -> figures; the scorecard joins their claims (docs/guide.md, docs/methods.md §9).
import time

from snakemake.utils import min_version

from specbias import jobserver
from specbias.summary import run_summary, write_run_time

min_version("9.0")


include: "rules/configfiles.smk"


configfile: WORKFLOW_CONFIG


include: "rules/common.smk"


validate_config(config)


for section in STUDY:

    include: STUDY[section].rules_file()


include: "rules/scorecard.smk"


rule all:
    input:
        all_targets(),
    default_target: True


JOB_SERVER = []
RUN_START = []


onstart:
    RUN_START.append(time.time())
    # warm job starts on the local machine (docs/speed.md); cluster jobs start their own interpreter
    if config["job_server"] == "auto" and workflow.local_exec:
        os.makedirs("results/logs", exist_ok=True)
        JOB_SERVER.append(jobserver.start(log="results/logs/job_server.log", extra=config["plugins"]))


onsuccess:
    floor = JOB_SERVER[0].floor() if JOB_SERVER else None
    for server in JOB_SERVER:
        server.stop()
    warm = floor is not None
    if RUN_START:  # the run's wall time and job floor, for bench/run_summary.py's pages
        floor = write_run_time("results", time.time() - RUN_START[0], floor)
    print(run_summary("results", floor=floor, warm=warm))


onerror:
    for server in JOB_SERVER:
        server.stop()
    print("specbias: the run stopped; the failed jobs and their log files are listed above. Fix the cause and run "
          "the same command again: finished outputs are kept (docs/guide.md: Recovery).")
