"""What a report shows, built once (``content``), and the two ways it is printed (``pdf``, ``handout``)."""
