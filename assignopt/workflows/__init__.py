"""The workflow layer: typed requests in, results out, for the CLI, scenario files and Python.

``requests`` holds one validated model per job; ``base.run(request)`` dispatches to the job's
module (``index``, ``bounds``, ``maxseg``, ``assign``, ``districts``, ``sweep``, ``synth``,
``verify``, ``figures``), each returning a :class:`~assignopt.workflows.base.Result` with
``to_dict()`` and ``write(folder)``; ``scenario`` runs a scenario file's requests and hands the
results to the report; ``api`` holds the notebook functions (``assign``, ``maxseg``).
"""
