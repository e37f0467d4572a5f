import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.png, $0) }
