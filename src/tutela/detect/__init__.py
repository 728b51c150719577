"""Detection: text, conversation and image detectors.

`analyze_text` / `analyze_texts` are the public entry points (see
`tutela.detect.engine`)."""
