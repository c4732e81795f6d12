from newstrace.cli import run

run()
