import FuzzTargets

FuzzDriver.run { FuzzTargets.envelopeHead($0) }
