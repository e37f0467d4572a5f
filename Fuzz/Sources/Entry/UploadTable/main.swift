import FuzzTargets

FuzzDriver.run { FuzzTargets.uploadTable($0) }
