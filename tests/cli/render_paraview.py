"""Render the last frame of an epr.xdmf with ParaView: particles coloured by sigma.

    xvfb-run -a pvpython --force-offscreen-rendering tests/cli/render_paraview.py EPR_XDMF PNG WIDTH HEIGHT

Run by tests/cli/evaluate.sh. Debian 12's ParaView renders through X11
(vtkXOpenGLRenderWindow, no EGL or OSMesa build), so headless runs need a
virtual X server: xvfb-run provides one, and --force-offscreen-rendering keeps
the window unmapped.
"""
import sys

from paraview.simple import ColorBy, CreateView, GetAnimationScene, SaveScreenshot, Show, XDMFReader

xdmf, png, width, height = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
reader = XDMFReader(FileNames=[xdmf])
reader.UpdatePipelineInformation()
reader.GridStatus = [g for g in reader.GetProperty("GridInfo")[::2] if g.startswith("frame ")]  # not the fields
scene = GetAnimationScene()
scene.UpdateAnimationUsingDataTimeSteps()
scene.AnimationTime = reader.TimestepValues[-1]
if "sigma" not in reader.PointData.keys():
    sys.exit(f"{xdmf}: no point array sigma (has {reader.PointData.keys()})")
view = CreateView("RenderView")
view.ViewSize = [width, height]
view.InteractionMode = "2D"
view.ViewTime = reader.TimestepValues[-1]
display = Show(reader, view)
display.SetRepresentationType("Points")
display.PointSize = 8
ColorBy(display, ("POINTS", "sigma"))
display.RescaleTransferFunctionToDataRange(True)
display.SetScalarBarVisibility(view, True)
view.ResetCamera()
SaveScreenshot(png, view, ImageResolution=[width, height])
print(f"render_paraview: {png} ({width} x {height}, time {reader.TimestepValues[-1]:g})")
