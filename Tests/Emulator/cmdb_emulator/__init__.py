"""The CMDB emulator as a package (Python standard library only); Tests/Emulator/emulator.py is its entry point.

Modules, by concern (Tests/Emulator/README.md, "Layout"):

    messages   the message catalogue (en / zh) and the error codes of CMDB, the ESB and the gateway
    models     models and attributes (the built-in ones, --models FILE.json), attribute checks
    store      the instances (one lock, unique indexes, --state snapshots)
    faults     fault specs (--fault, /_emulator/faults, --fault-rate) and their canned bodies
    counters   the --rate token bucket and /_emulator/stats counters
    envelopes  one API request (Ctx), one answer (Answer), JSON in and out, the envelopes and error answers
    auth       the ESB's and the gateway's credential checks
    real_faults the failure answers of the real servers, as faults (gateway 5xx / 429, ESB, CMDB, echoes)
    create     the batch_create_inst handler
    search     the search_inst handler (conditions, paging, sorting)
    update     the batch_update_inst handler (CMDB's OpCondition body, one transaction)
    delete     the batch_delete_inst handler
    instances  the search_object_instances and count_object_instances handlers
    filter     CMDB's filter expression (conditions): decode, validate, match as MongoDB does
    routes     THE route table: one entry per API route (method, ESB path, gateway path, handler, items)
    control    the /_emulator/* control endpoints (their own table)
    app        the emulator's state and the steps every API request goes through before its handler
    server     HTTP: the request handler (bodies, faults on the wire, 404s), the threaded server, TLS
    cli        the command line (flags) and main()
"""

VERSION = "1.0.0"
