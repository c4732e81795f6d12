"""scripts/ensure-services.sh, run for real by bash in a sandbox.

PATH holds only a temporary bin directory: stubs of the system's commands (apt-get,
pg_isready, pg_ctlcluster, psql, sleep) that log their arguments and simulate a Debian
machine, beside symlinks to the few real utilities the script and the stubs use. The
script's paths point into the sandbox (NEWSTRACE_PG_CONF, NEWSTRACE_CHROMIUM), so the real
PostgreSQL, chromium and apt are never touched.

The simulated machine lives in a state directory: `pg_running` (pg_isready answers),
`hba_loaded` (the pg_hba.conf the running server read: psql fails as Debian's scram default
would unless 127.0.0.1 is trusted there), `db_test` (database `test` exists).
"""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-services.sh"
BASH = shutil.which("bash") or "/bin/bash"
# real utilities the script and the stubs need; nothing else is on PATH
UTILITIES = ["bash", "cat", "grep", "seq", "mkdir", "chmod", "cp", "rm", "touch", "head",
             "sed", "ls"]

TRUST_V4 = "host    all             all             127.0.0.1/32            trust"
TRUST_V6 = "host    all             all             ::1/128                 trust"
# what Debian 12's pg_createcluster writes for PostgreSQL 15
DEBIAN_HBA = """\
# Database administrative login by Unix domain socket
local   all             postgres                                peer
local   all             all                                     peer
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     peer
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""
TRUSTING_HBA = f"local   all   all   trust\n{TRUST_V4}\n"  # a machine set up by hand

# {state}, {log}, {bin}, {conf}, {chromium}, {chromium_dir}, {stubs} are filled in by Sandbox.
STUBS = {
    "apt-get": r"""
echo "apt-get $* [DEBIAN_FRONTEND=${DEBIAN_FRONTEND:-}]" >> {log}
case "$1" in
  update) exit 0 ;;
  install) ;;
  *) echo "stub apt-get: unexpected $1" >&2; exit 100 ;;
esac
for pkg in "$@"; do
  case "$pkg" in
    postgresql)
      for cmd in pg_isready pg_ctlcluster psql; do cp {stubs}/$cmd {bin}/$cmd; done
      mkdir -p {conf}/15/main
      cat {stubs}/debian_pg_hba.conf > {conf}/15/main/pg_hba.conf
      if [ -e {state}/postinst_starts ]; then
        cp {conf}/15/main/pg_hba.conf {state}/hba_loaded; touch {state}/pg_running
      fi ;;
    chromium)
      mkdir -p {chromium_dir}
      printf '#!/bin/sh\n' > {chromium}; chmod +x {chromium} ;;
  esac
done
""",
    "pg_isready": r"""
echo "pg_isready $*" >> {log}
[ -e {state}/pg_running ]
""",
    "pg_ctlcluster": r"""
echo "pg_ctlcluster $*" >> {log}
[ "$1" = --skip-systemctl-redirect ] || { echo "stub: not redirected to systemctl" >&2; exit 2; }
hba={conf}/$2/$3/pg_hba.conf
[ -f "$hba" ] || { echo "stub: no cluster $2/$3" >&2; exit 1; }
case "$4" in
  start)
    [ -e {state}/pg_running ] && { echo "Cluster is already running." >&2; exit 2; }
    [ -e {state}/never_up ] && exit 1
    cp "$hba" {state}/hba_loaded; touch {state}/pg_running ;;
  reload)
    [ -e {state}/pg_running ] || { echo "Cluster is not running." >&2; exit 2; }
    cp "$hba" {state}/hba_loaded ;;
  *) exit 2 ;;
esac
""",
    "psql": r"""
echo "psql $*" >> {log}
[ -e {state}/pg_running ] || { echo "psql: connection refused" >&2; exit 2; }
# Debian's default asks for a password on 127.0.0.1 unless a trust line comes first
first=$(grep -E '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' \
          {state}/hba_loaded | head -n 1)
case "$first" in
  *trust) ;;
  *) echo 'psql: error: fe_sendauth: no password supplied' >&2; exit 2 ;;
esac
case "$*" in
  *"SELECT 1 FROM pg_database WHERE datname='test'"*)
    [ -e {state}/db_test ] && echo 1; exit 0 ;;
  *"CREATE DATABASE test"*)
    [ -e {state}/db_test ] && { echo 'ERROR: database "test" already exists' >&2; exit 1; }
    touch {state}/db_test; echo "CREATE DATABASE" ;;
  *) echo "stub psql: unexpected $*" >&2; exit 1 ;;
esac
""",
    "sleep": r"""
echo "sleep $*" >> {log}
""",
}
PG_COMMANDS = ("pg_isready", "pg_ctlcluster", "psql")


@dataclass
class Run:
    returncode: int
    stderr: str
    calls: list[str]

    def called(self, command: str) -> list[str]:
        return [c for c in self.calls if c.split()[0] == command]


class Sandbox:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin = root / "bin"
        self.stubs = root / "stubs"
        self.state = root / "state"
        self.conf = root / "etc" / "postgresql"
        self.chromium = root / "usr" / "bin" / "chromium"
        self.log = root / "calls.log"
        for d in (self.bin, self.stubs, self.state):
            d.mkdir(parents=True)
        for name in UTILITIES:
            real = shutil.which(name)
            assert real, f"{name} not found"
            (self.bin / name).symlink_to(real)
        fill = {"state": self.state, "log": self.log, "bin": self.bin, "conf": self.conf,
                "chromium": self.chromium, "chromium_dir": self.chromium.parent,
                "stubs": self.stubs}
        for name, body in STUBS.items():
            for key, value in fill.items():
                body = body.replace("{" + key + "}", str(value))
            stub = self.stubs / name
            stub.write_text(f"#!{BASH}\n{body.lstrip()}")
            stub.chmod(0o755)
        (self.stubs / "debian_pg_hba.conf").write_text(DEBIAN_HBA)
        shutil.copy(self.stubs / "apt-get", self.bin / "apt-get")
        shutil.copy(self.stubs / "sleep", self.bin / "sleep")

    # the machine's starting state
    def install_postgresql(self, *, running: bool, db: bool, hba: str = TRUSTING_HBA) -> None:
        for name in PG_COMMANDS:
            shutil.copy(self.stubs / name, self.bin / name)
        (self.conf / "15" / "main").mkdir(parents=True)
        (self.conf / "15" / "main" / "pg_hba.conf").write_text(hba)
        if running:
            (self.state / "hba_loaded").write_text(hba)
            (self.state / "pg_running").touch()
        if db:
            (self.state / "db_test").touch()

    def install_chromium(self) -> None:
        self.chromium.parent.mkdir(parents=True)
        self.chromium.write_text("#!/bin/sh\n")
        self.chromium.chmod(0o755)

    def run(self, wait: int = 30) -> Run:
        self.log.write_text("")
        env = {"PATH": str(self.bin), "HOME": str(self.root), "LC_ALL": "C",
               "NEWSTRACE_PG_CONF": str(self.conf), "NEWSTRACE_CHROMIUM": str(self.chromium),
               "NEWSTRACE_PG_HOST": "127.0.0.1", "NEWSTRACE_PG_PORT": "5999",
               "NEWSTRACE_PG_WAIT": str(wait)}
        proc = subprocess.run([BASH, str(SCRIPT)], env=env, cwd=self.root, capture_output=True,
                              text=True, timeout=20)
        return Run(proc.returncode, proc.stderr, self.log.read_text().splitlines())

    @property
    def hba(self) -> str:
        return (self.conf / "15" / "main" / "pg_hba.conf").read_text()


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    return Sandbox(tmp_path)


def assert_ok(run: Run) -> None:
    assert run.returncode == 0, run.stderr


def test_all_present_and_up_does_nothing(sandbox: Sandbox) -> None:
    sandbox.install_postgresql(running=True, db=True)
    sandbox.install_chromium()
    run = sandbox.run()
    assert_ok(run)
    assert run.called("apt-get") == []
    assert run.called("pg_ctlcluster") == []
    assert run.called("sleep") == []
    assert all("CREATE DATABASE" not in c for c in run.called("psql"))
    assert run.stderr == ""
    # the overridden address reaches the commands
    assert all("-h 127.0.0.1 -p 5999" in c for c in run.called("pg_isready") + run.called("psql"))


def test_postgresql_missing_is_installed_trusted_started_and_given_test_db(
        sandbox: Sandbox) -> None:
    sandbox.install_chromium()
    run = sandbox.run()
    assert_ok(run)
    assert run.called("apt-get") == [
        "apt-get update -qq [DEBIAN_FRONTEND=]",
        "apt-get install -y -qq postgresql [DEBIAN_FRONTEND=noninteractive]",
    ]
    # trust lines first, Debian's own lines kept below them
    lines = sandbox.hba.splitlines()
    rules = [ln for ln in lines if ln and not ln.startswith("#")]
    assert rules[:2] == [TRUST_V4, TRUST_V6]
    assert sandbox.hba.endswith(DEBIAN_HBA)
    assert run.called("pg_ctlcluster") == ["pg_ctlcluster --skip-systemctl-redirect 15 main start"]
    assert (sandbox.state / "hba_loaded").read_text() == sandbox.hba
    assert (sandbox.state / "db_test").exists()
    assert any("CREATE DATABASE test" in c for c in run.called("psql"))
    assert "installing it from Debian's packages" in run.stderr

    # idempotent: a second run installs nothing and adds no second pair of trust lines
    hba = sandbox.hba
    again = sandbox.run()
    assert_ok(again)
    assert again.called("apt-get") == []
    assert again.called("pg_ctlcluster") == []
    assert sandbox.hba == hba


def test_postgresql_installed_and_started_by_the_package_is_reloaded(sandbox: Sandbox) -> None:
    """Where the package's postinst starts the cluster, the new pg_hba.conf needs a reload."""
    sandbox.install_chromium()
    (sandbox.state / "postinst_starts").touch()
    run = sandbox.run()
    assert_ok(run)
    assert run.called("pg_ctlcluster") == [
        "pg_ctlcluster --skip-systemctl-redirect 15 main reload"]
    assert (sandbox.state / "hba_loaded").read_text().startswith("# added by newstrace")
    assert (sandbox.state / "db_test").exists()


def test_installed_but_down_is_started_not_installed(sandbox: Sandbox) -> None:
    sandbox.install_postgresql(running=False, db=True)
    sandbox.install_chromium()
    run = sandbox.run()
    assert_ok(run)
    assert run.called("apt-get") == []
    assert run.called("pg_ctlcluster") == ["pg_ctlcluster --skip-systemctl-redirect 15 main start"]
    assert "starting PostgreSQL" in run.stderr
    # a server that was installed by hand keeps its pg_hba.conf untouched
    assert sandbox.hba == TRUSTING_HBA


def test_missing_test_database_is_created(sandbox: Sandbox) -> None:
    sandbox.install_postgresql(running=True, db=False)
    sandbox.install_chromium()
    run = sandbox.run()
    assert_ok(run)
    assert run.called("apt-get") == []
    assert (sandbox.state / "db_test").exists()
    assert run.called("psql")[-1] == "psql -h 127.0.0.1 -p 5999 -U postgres -c CREATE DATABASE test"


def test_chromium_missing_is_installed(sandbox: Sandbox) -> None:
    sandbox.install_postgresql(running=True, db=True)
    run = sandbox.run()
    assert_ok(run)
    assert run.called("apt-get") == [
        "apt-get update -qq [DEBIAN_FRONTEND=]",
        "apt-get install -y -qq chromium fonts-liberation [DEBIAN_FRONTEND=noninteractive]",
    ]
    assert sandbox.chromium.is_file()
    assert "installing chromium" in run.stderr
    assert sandbox.run().called("apt-get") == []


def test_postgresql_never_up_fails_clearly(sandbox: Sandbox) -> None:
    sandbox.install_postgresql(running=False, db=True)
    sandbox.install_chromium()
    (sandbox.state / "never_up").touch()
    started = time.monotonic()
    run = sandbox.run(wait=3)
    assert time.monotonic() - started < 5
    assert run.returncode != 0
    assert "PostgreSQL did not come up on 127.0.0.1:5999" in run.stderr
    assert len(run.called("sleep")) == 3  # waited NEWSTRACE_PG_WAIT times, a second each
    assert run.called("psql") == []
    assert run.called("apt-get") == []
