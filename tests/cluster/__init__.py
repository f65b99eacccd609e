"""Several real nodes behind nginx, and the faults they must survive."""
