import FuzzTargets
import SealScrub

FuzzDriver.run { FuzzTargets.scrub(.webp, $0) }
