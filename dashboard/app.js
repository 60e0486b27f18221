// placeholder until the UI is written
