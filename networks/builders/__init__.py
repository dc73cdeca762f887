"""Network builders: functions that return a Workload IR."""
