"""下沉派单: dispatching work the catalogue gives a functional department to a township or street, with a reason."""
