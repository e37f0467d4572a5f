import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.pdf, $0) }
