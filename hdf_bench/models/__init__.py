from hdf_bench.models.c3d import FlexC3D  # noqa: F401
from hdf_bench.models.clip2d import ClipRecognizer2D  # noqa: F401
from hdf_bench.models.dam import DAM  # noqa: F401
from hdf_bench.models.dsm import DSMLoss  # noqa: F401
from hdf_bench.models.dsm_head import DSMHead  # noqa: F401
from hdf_bench.models.hdf import HDF  # noqa: F401
from hdf_bench.models.m3dfel import M3DFELBackbone, M3DFELHead  # noqa: F401
from hdf_bench.models.x3d_dam import X3DDAM  # noqa: F401
