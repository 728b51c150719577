"""Rule-based text detectors: one module each, registered with `base.register`."""

from tutela.detect.detectors.base import Detector, Example, Hit, detector_classes, register

__all__ = ["Detector", "Example", "Hit", "detector_classes", "register"]
