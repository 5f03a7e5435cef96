"""Delta physical design: the checks of the clustering, table-property and retention YAML."""
