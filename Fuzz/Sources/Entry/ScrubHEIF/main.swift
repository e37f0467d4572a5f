import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.heif, $0) }
