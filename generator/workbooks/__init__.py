"""Department workbooks: the layout they share (``layout``), writing blank ones (``init``),
reading and validating submissions (``read``)."""
