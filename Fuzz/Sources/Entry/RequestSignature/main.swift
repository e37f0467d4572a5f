import FuzzTargets

FuzzDriver.run { FuzzTargets.requestSignature($0) }
