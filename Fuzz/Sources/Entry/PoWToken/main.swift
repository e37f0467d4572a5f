import FuzzTargets

FuzzDriver.run { FuzzTargets.powToken($0) }
