import FuzzTargets

FuzzDriver.run { FuzzTargets.keyFile($0) }
