"""The workflow layer: typed requests, field names translated per front door, output checks."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assignopt.cli import main
from assignopt.errors import InputError
from assignopt.scenario import load_scenario
from assignopt.workflows.base import check_output_dir, check_output_file, execute
from assignopt.workflows.requests import (
    AssignRequest,
    BoundsRequest,
    MaxsegRequest,
    RequestError,
    build,
)

HERE = Path(__file__).parent
SACRAMENTO = HERE.parent / "sample_districts" / "sacramento_2000.gpkg"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_request_refuses_unknown_fields_and_names_each_bad_field():
    with pytest.raises(RequestError) as caught:
        build(AssignRequest, district="d.gpkg", tolerance=0.7, solver="gurobi", colour="red")
    fields = [field for field, _ in caught.value.problems]
    assert fields == ["tolerance", "solver", "colour"]
    assert "less than 0.5 (got 0.7)" in str(caught.value)


def test_cross_field_rules_are_checked_once_for_every_front_door():
    with pytest.raises(RequestError, match="give both white_mean and black_mean"):
        build(BoundsRequest, white_mean=52100)
    with pytest.raises(RequestError, match="describe the district one way"):
        build(MaxsegRequest, tolerance=0.1)


def test_the_command_line_names_fields_by_their_flags():
    result = invoke("maxseg", "--white-poverty", "0.2", "--json")
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert "give both --white-poverty and --black-poverty" in error
    result = invoke("assign", "nowhere.gpkg", "--tolerance", "0.6", "--json")
    assert result.exit_code == 2
    assert json.loads(result.output)["error"].startswith("--tolerance: ")


def test_the_scenario_file_names_fields_by_key_and_line(tmp_path):
    model = tmp_path / "m.toml"
    model.write_text(
        '[data]\nclasses = ["poor", "nonpoor"]\n'
        "gamma = { white_mean = 52100, black_mean = 24600, classes = 1 }\n"
    )
    # 'classes' appears twice: the message points at the inline table's key, line 3.
    with pytest.raises(InputError, match=r"\[data\].gamma.classes at line 3"):
        load_scenario(model)


def test_scenario_tolerances_must_be_numbers(tmp_path):
    model = tmp_path / "m.toml"
    model.write_text(
        '[data]\npoverty = {white = 0.1, black = 0.3}\n[policy]\ntolerances = ["a", 0.1]\n'
    )
    with pytest.raises(InputError, match=r"tolerances item 1 at line 4 must be float, got str"):
        load_scenario(model)


def test_a_scenario_that_is_not_utf8_is_named(tmp_path):
    model = tmp_path / "m.toml"
    model.write_bytes(b'[scenario]\nname = "caf\xe9"\n')
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        load_scenario(model)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            "[methods]\nspatial = false\nlp = false\nreassignment = false\nclosed_forms = false\n",
            "nothing to run",
        ),
        ("[methods]\nfigures = true\n", "does not apply to district data"),
        ("[assignment]\ntolerance = 0.1\n", r"set in \[policy\].tolerances"),
    ],
)
def test_scenario_keys_are_honoured_or_refused(tmp_path, table, message):
    model = tmp_path / "m.toml"
    model.write_text(f'[data]\ndistrict = "{SACRAMENTO}"\n{table}')
    with pytest.raises(InputError, match=message):
        load_scenario(model)


def test_gamma_classes_reach_the_linear_program(tmp_path):
    model = tmp_path / "m.toml"
    model.write_text(
        "[data]\ngamma = { white_mean = 52100, black_mean = 24600, classes = 4 }\n"
        "[policy]\ntolerances = [0.0]\n"
    )
    scenario = load_scenario(model)
    maxima = [r for r in scenario.requests if isinstance(r, MaxsegRequest)]
    assert [r.classes for r in maxima] == [4]


def test_output_paths_are_checked_before_computing(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(InputError, match="is a file"):
        check_output_dir(a_file)
    with pytest.raises(InputError, match="lies inside the file"):
        check_output_dir(a_file / "sub")
    with pytest.raises(InputError, match="does not exist"):
        check_output_file(tmp_path / "missing" / "w.csv")
    # the maxseg witness into a missing folder is refused before any LP is built
    request = build(
        MaxsegRequest,
        white_poverty=0.2,
        black_poverty=0.5,
        witness=tmp_path / "missing" / "w.csv",
    )
    with pytest.raises(InputError, match="does not exist"):
        execute(request)


def test_cli_out_that_is_a_file_fails_before_solving(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    result = invoke("assign", SACRAMENTO, "--out", a_file, "--json")
    assert result.exit_code == 2
    assert "is a file" in json.loads(result.output)["error"]


def test_help_loads_no_numerical_stack():
    code = (
        "import sys\n"
        "from assignopt.cli import COMMANDS, main\n"
        "for args in [['--help']] + [[name, '--help'] for name in COMMANDS]:\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = {'numpy', 'scipy', 'pandas', 'geopandas', 'matplotlib', 'pydantic'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
