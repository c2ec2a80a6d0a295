import subprocess
import sys

from uniner.cli import main


def test_main_turns_uniner_error_into_one_line_exit_2(tmp_path, capsys):
    code = main(["train", "--student", "nope", "--data", "x", "--output", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown student 'nope'") and err.count("\n") == 1


def test_main_usage_error_exit_2(capsys):
    assert main(["train"]) == 2
    assert "Missing option" in capsys.readouterr().err


def test_console_script_help_runs():
    out = subprocess.run([sys.executable, "-m", "uniner", "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0 and "train" in out.stdout
