import FuzzTargets

FuzzDriver.run { FuzzTargets.validator($0) }
