"""What training and serving must agree on, kept tiny so serving images carry no training code."""
