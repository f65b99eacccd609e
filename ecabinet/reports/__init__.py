"""Reports for a period and a unit: the statistics, and the workbook and the printed
report that carry them."""
