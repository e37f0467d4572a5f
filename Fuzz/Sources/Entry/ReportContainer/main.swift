import FuzzTargets

FuzzDriver.run { FuzzTargets.reportContainer($0) }
